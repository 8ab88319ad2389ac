/**
 * An upstream that echoes the key it was sent, on every error path of each adapter, plain
 * and streamed: 400, 413, 422, the final 429, 401, OpenRouter's `metadata.raw`, an error
 * event before content and one after it. The client gets the provider's useful words
 * ("invalid value for temperature") and never the key, whole or in part; nor does any log.
 */
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { sim } from "./helpers";

const logs = captureLogs();
const KEYS = ["sk-sim-openai-secret", "sim-gemini-secret", "sim-anthropic-secret"];
const USEFUL = "invalid value for temperature";
const ECHO = `Invalid key Bearer {{key}} (key={{key}}, starts {{key_head}}): ${USEFUL}`;

/** No key of the config, nor any 12-character piece of one, appears in `text`. */
function expectNoSecret(text: string) {
  for (const key of KEYS) {
    for (let i = 0; i + 12 <= key.length; i++) expect(text, `a piece of ${key}`).not.toContain(key.slice(i, i + 12));
  }
}

interface Adapter {
  model: string;
  /** A directive for an error event inside the stream, after `after` content pieces. */
  streamError(after: number): Record<string, unknown>;
}

const role = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}';
const piece = (t: string) => `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${t}"}}]}`;

const adapters: Adapter[] = [
  {
    model: "hx-openai",
    streamError: (after) => ({
      frames: [role, ...["one", " two"].slice(0, after).map(piece), `data: ${JSON.stringify({ error: { message: ECHO, type: "invalid_request_error", code: 400 } })}`],
    }),
  },
  {
    model: "hx-gemini",
    streamError: (after) => ({ reply: "one two three", error_after: after, error_body: { error: { code: 400, message: ECHO, status: "INVALID_ARGUMENT" } } }),
  },
  {
    model: "hx-claude",
    streamError: (after) => ({ reply: "one two three", error_after: after, stream_error: "invalid_request_error", message: ECHO }),
  },
];

const ask = (model: string, directive: Record<string, unknown>, stream: boolean) =>
  appPost("/v1/chat/completions", { model, ...(stream ? { stream: true } : {}), messages: [{ role: "user", content: sim(directive) }] });

describe.each(adapters)("$model: an upstream that echoes its key", (a) => {
  const httpErrors: Array<[string, Record<string, unknown>, number, boolean]> = [
    ["400", { status: 400, message: ECHO }, 400, true],
    ["413", { status: 413, message: ECHO }, 400, true],
    ["422", { status: 422, message: ECHO }, 400, true],
    ["the final 429", { status: 429, message: ECHO, headers: { "retry-after": "0" } }, 429, true],
    ["401", { status: 401, message: ECHO }, 502, false],
  ];
  describe.each([false, true])("stream: %s", (stream) => {
    it.each(httpErrors)("%s: keeps the provider's words, not its key", async (_, fault, status, quoted) => {
      const res = await ask(a.model, fault, stream);
      expect(res.status).toBe(status);
      const text = await res.text();
      expectNoSecret(text);
      if (quoted) {
        expect(text).toContain(USEFUL);
        expect(text).toContain("[redacted]");
      }
      expectNoSecret(logs.written().join("\n"));
    });
  });

  it("an error event before any content: a 400 with the provider's words, not its key", async () => {
    const res = await ask(a.model, a.streamError(0), true);
    expect(res.status).toBe(400);
    const text = await res.text();
    expectNoSecret(text);
    expect(text).toContain(USEFUL);
    expectNoSecret(logs.written().join("\n"));
  });

  it("an error event after content: the stream's error event quotes the words, not the key", async () => {
    const res = await ask(a.model, a.streamError(2), true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("[DONE]");
    expect(text).toContain('"error"');
    expectNoSecret(text);
    expect(text).toContain(USEFUL);
    expectNoSecret(logs.written().join("\n"));
  });
});

describe("OpenRouter's metadata.raw", () => {
  it("quotes the real provider's answer without the key it echoed", async () => {
    const raw = JSON.stringify({ error: { message: `Authorization: Bearer {{key}} rejected; ${USEFUL}` } });
    const res = await ask("hx-openai", { status: 400, error_body: { error: { message: "Provider returned error", code: 400, metadata: { raw, provider_name: "Chutes" } } } }, false);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("Provider returned error");
    expect(text).toContain(USEFUL);
    expectNoSecret(text);
  });
});

describe("image endpoints", () => {
  it.each(["img-gpt", "img-imagen"])("%s: an upstream 400 echoing its key reaches the client without it", async (model) => {
    const res = await appPost("/v1/images/generations", { model, prompt: sim({ status: 400, message: ECHO }) });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain(USEFUL);
    expectNoSecret(text);
    expectNoSecret(logs.written().join("\n"));
  });
});
