// The floor: the least a Worker in front of the simulator can do. It forwards the request
// to the upstream and returns the response, streamed, untouched.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM + url.pathname + url.search, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  },
};
