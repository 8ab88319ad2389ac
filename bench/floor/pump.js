// The pump: the floor (worker.js) with what passes through read in JavaScript, and nothing
// else done with it. The request is read and parsed (a gateway must, to route it) and sent
// on serialised; a JSON answer is read and parsed (to check it) and returned; a stream's
// body goes through a pull-based stream that reads one chunk from the upstream and enqueues
// it, as ai-proxy's stream guard does. The least any Worker costs the runtime that looks at
// what it forwards: the benchmark's CPU table compares ai-proxy with it.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    const body = request.body ? JSON.stringify(JSON.parse(await request.text())) : undefined;
    const res = await fetch(env.UPSTREAM + url.pathname + url.search, { method: request.method, headers, body });
    if (!res.body) return res;
    const type = res.headers.get("content-type") ?? "";
    if (type.includes("json")) {
      const text = await res.text();
      JSON.parse(text);
      return new Response(text, res);
    }
    if (!type.startsWith("text/event-stream")) return res;
    const reader = res.body.getReader();
    const stream = new ReadableStream(
      {
        pull: (controller) => reader.read().then((r) => (r.done ? controller.close() : controller.enqueue(r.value))),
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(stream, res);
  },
};
