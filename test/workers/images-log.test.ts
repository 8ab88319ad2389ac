/** Image requests in the request log (attempts, tokens, no prompt) and trace context forwarded upstream. */
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { recorded, sim } from "./helpers";

const logs = captureLogs();
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) => appPost(path, body, { headers });
const lineFor = (res: Response) => logs.lineFor(res);
const written = { join: (sep: string) => logs.written().join(sep) };

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
