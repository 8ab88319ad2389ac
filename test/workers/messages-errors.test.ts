/**
 * /v1/messages at its edges: every error in Anthropic's shape (the middleware's too), the
 * Anthropic SDK's error classes, new and unknown fields accepted, and the request log.
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { anthropicClient } from "./clients";
import { call, postJson, recorded, sim } from "./helpers";

const { client } = anthropicClient();
const logs = captureLogs();
const tag = () => `e-${crypto.randomUUID()}`;

interface AnthropicError {
  type: string;
  error: { type: string; message: string };
}

const hi = (extra: Record<string, unknown> = {}) => ({ model: "sim-small", max_tokens: 32, messages: [{ role: "user", content: "hi" }], ...extra });

async function caught(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Anthropic.APIError);
    return err as InstanceType<typeof Anthropic.APIError>;
  }
  throw new Error("expected the SDK to raise");
}

describe("errors on /v1/messages have Anthropic's shape", () => {
  it("401 without a key or with a wrong one, by x-api-key or Bearer; other routes keep OpenAI's shape", async () => {
    const missing = await postJson("/v1/messages", hi(), { key: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="ai-proxy"');
    const body = (await missing.json()) as AnthropicError;
    expect(body).toEqual({ type: "error", error: { type: "authentication_error", message: expect.stringContaining("x-api-key") } });
    const wrong = await caught(anthropicClient({ key: "test-key-9" }).client.messages.create(hi() as never));
    expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(wrong.type).toBe("authentication_error");
    const bearer = await anthropicClient({ bearer: true }).client.messages.create(hi({ messages: [{ role: "user", content: sim({ reply: "ok" }) }] }) as never);
    expect((bearer as Anthropic.Message).content).toEqual([{ type: "text", text: "ok" }]);
    expect(await (await call("/v1/models", { key: null })).json()).toMatchObject({ error: { type: "authentication_error", code: "invalid_api_key" } });
  });

  it("404 not_found_error for an unknown model and an unknown route below /v1/messages", async () => {
    const err = await caught(client.messages.create(hi({ model: "no-such-model" }) as never));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.type).toBe("not_found_error");
    expect(err.apiMessage).toBe("The model 'no-such-model' does not exist.");
    const route = await postJson("/v1/messages/batches", hi());
    expect(route.status).toBe(404);
    expect(((await route.json()) as AnthropicError).error.type).toBe("not_found_error");
  });

  it("400 invalid_request_error naming the field, for what the Messages API itself refuses", async () => {
    const noMax = await caught(client.messages.create({ model: "sim-small", messages: [{ role: "user", content: "hi" }] } as never));
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect(noMax.type).toBe("invalid_request_error");
    expect(noMax.apiMessage).toContain("max_tokens");
    const badBlock = await caught(client.messages.create(hi({ messages: [{ role: "user", content: [{ type: "text" }] }] }) as never));
    expect(badBlock.apiMessage).toContain("messages[0].content[0].text");
    const unknownBlock = await caught(client.messages.create(hi({ messages: [{ role: "user", content: [{ type: "hologram", data: "x" }] }] }) as never));
    expect(unknownBlock).toBeInstanceOf(Anthropic.BadRequestError);
    expect(unknownBlock.apiMessage).toContain("hologram");
  });

  it("405, 413 and 415 from the middleware", async () => {
    const get = await call("/v1/messages");
    expect(get.status).toBe(405);
    expect(((await get.json()) as AnthropicError).error.type).toBe("invalid_request_error");
    const text = await postJson("/v1/messages", "hi", { headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    expect(((await text.json()) as AnthropicError).type).toBe("error");
    const big = await appPost("/v1/messages", hi({ messages: [{ role: "user", content: "x".repeat(4096) }] }), { env: { MAX_BODY_BYTES: "1024" } });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ type: "error", error: { type: "request_too_large", message: "Request body is larger than the limit of 1024 bytes." } });
  });

  it("429 rate_limit_error with Retry-After when the provider is out of quota", async () => {
    const err = await caught(
      client.messages.create(hi({ model: "messages-cooled", messages: [{ role: "user", content: sim({ status: 429, headers: { "retry-after": "30" } }) }] }) as never),
    );
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.type).toBe("rate_limit_error");
    expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a 5xx api_error when the provider keeps failing", async () => {
    const err = await caught(client.messages.create(hi({ model: "gemini-sim", messages: [{ role: "user", content: sim({ status: 500 }) }] }) as never));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.type).toBe("api_error");
  });
});

describe("what newer clients send is accepted", () => {
  it("takes new fields, betas, ?beta=true and server-tool traffic without a 400, and sends none of it to an OpenAI-compatible target", async () => {
    const t = tag();
    const res = await postJson(
      "/v1/messages?beta=true",
      {
        model: "gpt-4o",
        max_tokens: 64,
        thinking: { type: "adaptive" },
        output_config: { effort: "low" },
        context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
        metadata: { user_id: "user-1" },
        service_tier: "auto",
        brand_new_field: { nested: true },
        tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }],
        system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
        messages: [
          { role: "user", content: [{ type: "text", text: "Search this", cache_control: { type: "ephemeral", ttl: "1h" } }] },
          { role: "assistant", content: [{ type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } }, { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] }, { type: "text", text: "Found it." }] },
          { role: "user", content: `Thanks ${sim({ tag: t, reply: "Welcome." })}` },
        ],
      },
      { key: null, headers: { "x-api-key": "test-key-1", "anthropic-version": "2023-06-01", "anthropic-beta": "context-management-2025-06-27,effort-2025-11-24,some-future-beta" } },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as Anthropic.Message).content).toEqual([{ type: "thinking", thinking: "Reasoning at low effort.", signature: "" }, { type: "text", text: "Welcome." }]);
    const [sent] = await recorded(t);
    expect(Object.keys(sent!.body).sort()).toEqual(["max_tokens", "messages", "model", "reasoning_effort"]);
    expect(sent!.body.reasoning_effort).toBe("low");
    expect(sent!.body.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "Be brief." }] },
      { role: "user", content: [{ type: "text", text: "Search this" }] },
      { role: "assistant", content: "Found it." },
      { role: "user", content: `Thanks ${sim({ tag: t, reply: "Welcome." })}` },
    ]);
  });
});

describe("the request log", () => {
  it("records a Messages stream like a chat stream: requested model, who answered, the outcome, tokens", async () => {
    const res = await appPost(
      "/v1/messages",
      { model: "claude-opus-4-8", max_tokens: 64, stream: true, messages: [{ role: "user", content: sim({ reply: "Logged answer." }) }] },
      { key: undefined, headers: { authorization: "", "x-api-key": "test-key-1" } },
    );
    expect(res.status).toBe(200);
    const line = logs.lineFor(res);
    expect(line).toMatchObject({ requested_model: "claude-opus-4-8", model: "gemini-sim", provider: "simgemini", stream: true, stream_outcome: "completed", tokens_out: 2, status: 200 });
  });
});
