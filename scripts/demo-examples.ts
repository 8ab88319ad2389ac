/**
 * What `npm run demo` prints once the proxy is up: commands to paste, including the
 * simulator's directives (a `<<sim {...}>>` marker in the message text), so a user can see
 * a tool call, an invisible fallback before the first token and an honest error after
 * content with their own client, and an embeddings request. The README's "Try it in the demo" shows the same.
 */
export function demoExamples(base: string, simUrl: string, key: string): string {
  const post = (body: string, flags = "-s") =>
    `  curl ${flags} ${base}/v1/chat/completions -H "authorization: Bearer ${key}" \\\n    -H "content-type: application/json" \\\n    -d '${body}'`;
  return `
ai-proxy demo is running on ${base} (upstream simulator on ${simUrl}); client key: ${key}

  curl -s ${base}/v1/models -H "authorization: Bearer ${key}"

${post('{"model":"SMALL","messages":[{"role":"user","content":"Hello!"}]}')}

${post('{"model":"claude","stream":true,"messages":[{"role":"user","content":"Hello!"}]}', "-sN")}

The Anthropic SDK (and Claude Code) through /v1/messages, streamed from the Gemini model
flash under the Claude model name it is aliased to:

  ANTHROPIC_BASE_URL=${base} ANTHROPIC_API_KEY=${key} node demo/anthropic-stream.mjs

Hammer SMALL and watch the traffic move as quotas fill (fast-a: 5/min, fast-b: 20/min, then flash):

  for i in $(seq 30); do curl -s -o /dev/null -w "%{http_code} %header{x-proxy-model}\\n" \\
    ${base}/v1/chat/completions -H "authorization: Bearer ${key}" -H "content-type: application/json" \\
    -d '{"model":"SMALL","messages":[{"role":"user","content":"Hi"}]}'; done

  curl -s ${base}/v1/status -H "authorization: Bearer ${key}"

Steer the simulator with a <<sim {...}>> marker in the message. A tool call:

${post('{"model":"flash","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"messages":[{"role":"user","content":"<<sim {\\"tool_calls\\":[{\\"name\\":\\"get_weather\\",\\"arguments\\":{\\"city\\":\\"Paris\\"}}]}>> Weather in Paris?"}]}')}

fast-a fails before its first token: the proxy falls back to fast-b, invisibly (see x-proxy-model, x-proxy-attempts):

${post('{"model":"SMALL","stream":true,"messages":[{"role":"user","content":"<<sim {\\"status\\":500,\\"only\\":[\\"sim/fast-a-rpm5\\"]}>> Hi"}]}', "-sN -D /dev/stderr")}

The connection drops after four words: the stream ends with an error event and no [DONE]:

${post('{"model":"fast-b","stream":true,"messages":[{"role":"user","content":"<<sim {\\"reply\\":\\"one two three four five six seven eight\\",\\"drop_after\\":4,\\"chunk_delay_ms\\":300}>> Count"}]}', "-sN")}

Generate an image (the first image model by priority; the simulator draws a gradient):

  curl -s ${base}/image -H "authorization: Bearer ${key}" -H "content-type: application/json" \\
    -d '{"prompt":"a lighthouse at dusk"}' -o lighthouse.png

Embeddings in OpenAI's shape (EMBED: embed-a, then embed-b, one vector space; also bge-small on Workers AI):

  curl -s ${base}/v1/embeddings -H "authorization: Bearer ${key}" -H "content-type: application/json" \
    -d '{"model":"EMBED","input":["The lighthouse stands on the cape.","Tides follow the moon."],"encoding_format":"float"}'

Models: fast-a, fast-b (OpenAI-compatible), flash (Gemini), smart-a (OpenAI-compatible), claude (Anthropic);
categories SMALL and BIG; aliases claude-sonnet* (flash), claude-haiku* (SMALL), claude-* (BIG), gpt-4o;
images: gpt-image, imagen, nano-banana, flux-schnell, flux-hf; embeddings: embed-a, embed-b, bge-small.
Press Ctrl+C to stop.
`;
}
