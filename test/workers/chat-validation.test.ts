/** Bad input at the edge: every case is a precise OpenAI-shaped 4xx, never a 5xx or a hang. */
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { BASE, call, postJson, recorded, sim } from "./helpers";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;
const user = (content: unknown) => ({ role: "user", content });

describe("request body", () => {
  it("rejects malformed JSON with 400 invalid_json", async () => {
    for (const body of ['{"model": "sim-small", "messages": [', "", "null x", "{'a':1}"]) {
      const res = await postJson("/v1/chat/completions", body);
      expect(res.status, body).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_json");
    }
  });

  it("rejects a body that is JSON but not an object", async () => {
    for (const body of ["[]", "42", '"hi"', "null"]) {
      const res = await postJson("/v1/chat/completions", body);
      expect(res.status, body).toBe(400);
      expect((await errorOf(res)).message).toMatch(/JSON object|invalid/i);
    }
  });

  it("rejects the wrong content type with 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await postJson("/v1/chat/completions", JSON.stringify({ messages: [user("hi")] }), { headers: { "content-type": type } });
      expect(res.status, type).toBe(415);
      expect((await errorOf(res)).code).toBe("unsupported_media_type");
    }
    const missing = await call("/v1/chat/completions", { method: "POST", body: new Blob(['{"messages":[]}']) });
    expect(missing.status).toBe(415);
  });

  it("accepts JSON with a charset and vendor +json types", async () => {
    for (const type of ["application/json; charset=utf-8", "application/vnd.api+json"]) {
      const res = await postJson("/v1/chat/completions", { messages: [user("hi")] }, { headers: { "content-type": type } });
      expect(res.status, type).toBe(200);
    }
  });

  it("rejects a body over the configured limit with 413, with or without Content-Length", async () => {
    const limited = { ...env, MAX_BODY_BYTES: "2048" };
    const big = JSON.stringify({ messages: [user("x".repeat(4096))] });
    const withLength = await app.fetch(
      new Request(`${BASE}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer test-key-1", "content-type": "application/json" }, body: big }),
      limited,
      createExecutionContext(),
    );
    expect(withLength.status).toBe(413);
    expect((await errorOf(withLength)).code).toBe("request_too_large");

    const bytes = new TextEncoder().encode(big);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 500) c.enqueue(bytes.slice(i, i + 500));
        c.close();
      },
    });
    const withoutLength = await app.fetch(
      new Request(`${BASE}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer test-key-1", "content-type": "application/json" }, body: chunked }),
      limited,
      createExecutionContext(),
    );
    expect(withoutLength.status).toBe(413);
  });

  it("answers GET on the chat route with 405", async () => {
    const res = await call("/v1/chat/completions");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("request fields", () => {
  it.each([
    [{}, "messages", /is required/],
    [{ messages: [] }, "messages", /at least 1/],
    [{ messages: "hi" }, "messages", /expected array/],
    [{ messages: [{ role: "robot", content: "x" }] }, "messages[0].role", /'system', 'developer', 'user', 'assistant', 'tool'/],
    [{ messages: [{ content: "x" }] }, "messages[0].role", /expected one of/],
    [{ messages: [user(3)] }, "messages[0].content", /./],
    [{ messages: [user([{ type: "video", url: "x" }])] }, "messages[0].content[0].type", /'text', 'image_url', 'input_audio'/],
    [{ messages: [user([{ type: "image_url", image_url: {} }])] }, "messages[0].content[0].image_url.url", /is required/],
    [{ messages: [{ role: "tool", content: "42" }] }, "messages[0].tool_call_id", /is required/],
    [{ messages: [user("x")], model: 7 }, "model", /expected string/],
    [{ messages: [user("x")], stream: "yes" }, "stream", /expected boolean/],
    [{ messages: [user("x")], temperature: 3 }, "temperature", /<= 2/],
    [{ messages: [user("x")], max_tokens: 0 }, "max_tokens", /./],
    [{ messages: [user("x")], n: 1.5 }, "n", /./],
    [{ messages: [user("x")], stop: ["a", "b", "c", "d", "e"] }, "stop", /./],
    [{ messages: [user("x")], tools: [{ type: "function", function: { name: "bad name!" } }] }, "tools[0].function.name", /invalid format/],
    [{ messages: [user("x")], tool_choice: "sometimes" }, "tool_choice", /./],
    [{ messages: [user("x")], response_format: { type: "xml" } }, "response_format.type", /'text', 'json_object', 'json_schema'/],
  ])("rejects %j naming %s", async (body, param, message) => {
    const res = await postJson("/v1/chat/completions", body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}'`);
    expect(error.message).toMatch(message);
  });

  it("passes every field it does not act on through untouched", async () => {
    const t = `t-${crypto.randomUUID()}`;
    const body = {
      model: "sim-small",
      messages: [user(`hi ${sim({ tag: t })}`), { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c1", content: "ok" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" }, strict: true } }],
      tool_choice: { type: "function", function: { name: "f" } },
      parallel_tool_calls: false,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } },
      seed: 1,
      logprobs: true,
      top_logprobs: 2,
      stop: ["\n\n"],
      reasoning_effort: "high",
      stream_options: null,
      metadata: { a: "b" },
      transforms: ["middle-out"],
    };
    expect((await postJson("/v1/chat/completions", body)).status).toBe(200);
    const [upstream] = await recorded(t);
    expect(upstream?.body).toEqual({ ...body, model: "sim/small-1" });
  });
});
