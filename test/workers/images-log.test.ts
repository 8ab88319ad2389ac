/** Image requests in the request log (attempts, tokens, no prompt) and trace context forwarded upstream. */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { BASE, KEY, recorded, sim } from "./helpers";

// Through the app itself (not the Worker entry), so this module's console is the app's.
async function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...headers },
      body: JSON.stringify(body),
    }),
    env,
    ctx,
  );
  const bytes = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(bytes, { status: res.status, headers: res.headers });
}

let written: string[] = [];
const original = console.log;
beforeEach(() => {
  written = [];
  console.log = (...args: unknown[]) => void written.push(args.map(String).join(" "));
});
afterEach(() => {
  console.log = original;
});

function lineFor(res: Response): Record<string, unknown> {
  const id = res.headers.get("x-request-id");
  const line = written.map((text) => JSON.parse(text) as Record<string, unknown>).find((l) => l.request_id === id);
  if (!line) throw new Error(`no log line for ${id}`);
  return line;
}

describe("image requests in the request log", () => {
  it("records the attempts and who answered, never the prompt", async () => {
    const prompt = "my-secret-image-prompt-17";
    const res = await postJson("/image", { model: "img-fb-first", prompt: `${prompt} ${sim({ status: 500, only: ["route/img-fb-first"] })}` });
    expect(res.status).toBe(200);
    expect(lineFor(res)).toMatchObject({
      route: "/image",
      status: 200,
      requested_model: "img-fb-first",
      model: "img-fb-second",
      provider: "simimg-gemini",
      stream: false,
      attempts: [
        { model: "img-fb-first", provider: "simimg-route", error: "server_error" },
        { model: "img-fb-second", provider: "simimg-gemini", error: null },
      ],
      tokens_estimated: true,
      error: null,
    });
    expect(written.join("\n")).not.toContain(prompt);
  });

  it("records the tokens a provider reports", async () => {
    const res = await postJson("/v1/images/generations", { model: "img-gpt", prompt: "a logo" });
    const line = lineFor(res);
    expect(line).toMatchObject({ route: "/v1/images/generations", model: "img-gpt", tokens_estimated: false });
    expect(Number(line.tokens_in) + Number(line.tokens_out)).toBe(4172);
  });

  it("passes the client's trace upstream under a new span", async () => {
    const t = `t-${crypto.randomUUID()}`;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await postJson("/image", { model: "img-hf", prompt: `x ${sim({ tag: t })}` }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const [upstream] = await recorded(t);
    expect(upstream?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(upstream?.headers.traceparent).not.toContain("00f067aa0ba902b7");
  });
});
