/**
 * Token auth through the whole Worker, with the openai SDK: GigaChat's OAuth client
 * credentials (Basic auth, RqUID, scope; a token cached until shortly before it expires,
 * one fetch for many concurrent requests) and a Vertex AI service account (an RS256 JWT
 * the simulator verifies, exchanged for a token) for Gemini and for Claude, whose
 * rawPredict/streamRawPredict the @anthropic-ai/sdk reaches too. No secret reaches an
 * answer or a log.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { anthropicClient, openaiClient } from "./clients";
import { call, recorded, sim, upstream } from "./helpers";

const vars = env as unknown as Record<string, string>;
const issued = async (endpoint: string) =>
  ((await (await fetch(`${upstream()}/__tokens?endpoint=${encodeURIComponent(endpoint)}`)).json()) as { issued: number }).issued;
const WEATHER = sim({ tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }] });
const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

describe("GigaChat: OAuth client credentials", () => {
  it("answers plain and streamed requests, with tools, on one cached token", async () => {
    const client = openaiClient();
    const plain = await client.chat.completions.create({ model: "giga", messages: [{ role: "user", content: "Hello" }] });
    expect(plain.choices[0]?.message.content).toMatch(/^Hello from/);
    const tool = await client.chat.completions.create({ model: "giga", tools, messages: [{ role: "user", content: `${WEATHER} Weather?` }] });
    expect(tool.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "get_weather", arguments: '{"city":"Paris"}' } });
    const stream = await client.chat.completions.create({ model: "giga", stream: true, messages: [{ role: "user", content: "Hello" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toMatch(/^Hello from/);
    expect(await issued("/oauth/token?ttl_ms=1800000")).toBe(1);
  });

  it("fetches a new token once it expires: exactly one token call for 50 concurrent requests", async () => {
    const client = openaiClient();
    const ask = () => client.chat.completions.create({ model: "giga-short", messages: [{ role: "user", content: "Hi" }] });
    await ask();
    const before = await issued("/oauth/token?ttl_ms=1500");
    expect(before).toBe(1);
    // The token lives 1.5 s (the endpoint's Date header has whole seconds: allow one more).
    await new Promise((r) => setTimeout(r, 2_600));
    const answers = await Promise.all(Array.from({ length: 50 }, ask));
    expect(answers.every((a) => a.choices[0]?.message.content?.startsWith("Hello from"))).toBe(true);
    expect(await issued("/oauth/token?ttl_ms=1500")).toBe(2);
  });
});

describe("Vertex AI: Google service account", () => {
  it("signs a JWT the token endpoint verifies, and calls Gemini with the token", async () => {
    const client = openaiClient();
    const plain = await client.chat.completions.create({ model: "vertex-flash", messages: [{ role: "user", content: "Hello" }] });
    expect(plain.choices[0]?.message.content).toBeTruthy();
    const stream = await client.chat.completions.create({ model: "vertex-flash", stream: true, messages: [{ role: "user", content: "Hello" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBeTruthy();
    expect(await issued("/google/token")).toBe(1);
  });

  // After the Gemini test: this provider's token is its own, so the endpoint issues a second one.
  it("calls Claude on Vertex through rawPredict and streamRawPredict, from the openai and Anthropic SDKs", async () => {
    const t = `vertex-claude-${crypto.randomUUID()}`;
    const content = `Hello ${sim({ tag: t })}`;
    const openai = openaiClient();
    const plain = await openai.chat.completions.create({ model: "vertex-claude", messages: [{ role: "user", content }] });
    expect(plain.choices[0]?.message.content).toBe("Hello from claude-sonnet-4@20250514.");
    const stream = await openai.chat.completions.create({ model: "vertex-claude", stream: true, messages: [{ role: "user", content }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from claude-sonnet-4@20250514.");
    const { client, checked } = anthropicClient();
    // Passed through: an unknown field and the client's beta flags reach Vertex too.
    const beta = { headers: { "anthropic-beta": "context-management-2025-06-27" } };
    const message = await client.messages.create({ model: "vertex-claude", max_tokens: 100, messages: [{ role: "user", content }], new_field: 1 } as never, beta);
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Hello from claude-sonnet-4@20250514." })]);
    const streamed = await client.messages.stream({ model: "vertex-claude", max_tokens: 100, messages: [{ role: "user", content }], new_field: 1 } as never, beta).finalMessage();
    expect(streamed.content).toEqual([expect.objectContaining({ type: "text", text: "Hello from claude-sonnet-4@20250514." })]);
    await checked();

    const seen = await recorded(t);
    const root = "/anthropic/vertex/models/claude-sonnet-4@20250514";
    expect(seen.map((r) => r.path)).toEqual([`${root}:rawPredict`, `${root}:streamRawPredict`, `${root}:rawPredict`, `${root}:streamRawPredict`]);
    for (const r of seen) {
      expect(r.body).not.toHaveProperty("model");
      expect(r.body.anthropic_version).toBe("vertex-2023-10-16");
      expect(r.headers.authorization).toMatch(/^Bearer sim-token-/);
      expect(r.headers).not.toHaveProperty("x-api-key");
    }
    for (const [i, stream] of [[2, false], [3, true]] as const) {
      const rest = { max_tokens: 100, messages: [{ role: "user", content }], new_field: 1, ...(stream ? { stream } : {}) };
      expect(seen[i]!.raw).toBe(JSON.stringify({ ...rest, anthropic_version: "vertex-2023-10-16" }));
      expect(seen[i]!.headers["anthropic-beta"]).toBe("context-management-2025-06-27");
    }
    expect(await issued("/google/token")).toBe(2);
  });

  it("counts a Vertex Claude prompt by the estimate, since Vertex has no count_tokens path for it", async () => {
    const t = `vertex-count-${crypto.randomUUID()}`;
    const { client } = anthropicClient();
    const { data, response } = await client.messages.countTokens({ model: "vertex-claude", messages: [{ role: "user", content: `Hi ${sim({ tag: t })}` }] }).withResponse();
    expect(response.headers.get("x-proxy-estimated")).toBe("true");
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(await recorded(t)).toHaveLength(0);
  });
});

describe("secrets", () => {
  it("never puts a client secret, a private key or a pool key in an answer, a status or a log line", async () => {
    const lines: string[] = [];
    // Every console level: logLine writes errors to console.error (the "benched" line among them).
    const spies = (["log", "error", "warn", "info", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))),
    );
    try {
      const texts = [
        await (await call("/v1/status")).text(),
        // The upstream echoes the credential it received: the token.
        await (await call("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "giga", messages: [{ role: "user", content: sim({ status: 400, message: "bad token {{key}}" }) }] }) })).text(),
        await (await call("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "pool-revoked", messages: [{ role: "user", content: sim({ status: 400, message: "bad key {{key}}" }) }] }) })).text(),
      ];
      const pem = (JSON.parse(vars.GCP_SA_JSON!) as { private_key: string }).private_key.split("\n").filter((l) => l.length > 40);
      const secrets = [vars.GIGA_CLIENT_SECRET!, vars.POOL_KEY_1!, vars.POOL_KEY_2!, vars.POOL_REVOKED!, ...pem, "sim-token-"];
      for (const text of [...texts, ...lines]) for (const s of secrets) expect(text).not.toContain(s);
      expect(texts[1]).toContain("[redacted]");
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
