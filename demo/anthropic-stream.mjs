// Streams one answer through ai-proxy's /v1/messages with the official Anthropic SDK, the
// way Claude Code talks to it. The SDK reads ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY:
//   ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_API_KEY=demo-key node demo/anthropic-stream.mjs [model]
// With demo/models.yaml, "claude-sonnet-4-5" is an alias of the Gemini model `flash`.
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({ maxRetries: 0 });
const stream = client.messages.stream({
  model: process.argv[2] ?? "claude-sonnet-4-5",
  max_tokens: 512,
  messages: [{ role: "user", content: "Say hello, one word at a time." }],
});
stream.on("text", (text) => process.stdout.write(text));
const message = await stream.finalMessage();
const served = (await stream.withResponse()).response.headers.get("x-proxy-model");
process.stdout.write(`\n[answered by ${served} (${message.model}), stop_reason ${message.stop_reason}, ${message.usage.output_tokens} tokens out]\n`);
