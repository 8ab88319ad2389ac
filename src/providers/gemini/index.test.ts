import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chatRequestSchema } from "../../openai/chat-request";
import { resolveModel } from "../../routing/resolve-model";
import { authorize } from "../credentials";
import { upstreamTarget } from "../target";
import { geminiAdapter } from "./index";

const target = upstreamTarget(resolveModel("gemini-sim", "chat").candidates[0]!, { ...env });
const request = (stream: boolean) => chatRequestSchema.parse({ model: "gemini-sim", stream, messages: [{ role: "user", content: "hi" }] });

describe("geminiAdapter.buildRequest", () => {
  it("calls generateContent with the key in x-goog-api-key only", async () => {
    const spec = await authorize(geminiAdapter.buildRequest(request(false), target), target);
    expect(spec.url).toBe(`${target.baseUrl}/models/gemini-2.5-flash:generateContent`);
    expect(spec.headers["x-goog-api-key"]).toBe("sim-gemini-secret");
    expect(spec.headers["content-type"]).toBe("application/json");
    expect(spec.headers.authorization).toBeUndefined();
    expect(spec.url).not.toContain("sim-gemini-secret");
    expect(JSON.parse(spec.body)).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });

  it("streams from streamGenerateContent as SSE", () => {
    const spec = geminiAdapter.buildRequest(request(true), target);
    expect(spec.url).toBe(`${target.baseUrl}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`);
    expect(spec.headers.accept).toBe("text/event-stream");
  });

  it("adds the provider's configured headers", () => {
    const withHeaders = { ...target, model: { ...target.model, providerConfig: { ...target.model.providerConfig, headers: { "x-extra": "1" } } } };
    expect(geminiAdapter.buildRequest(request(false), withHeaders).headers["x-extra"]).toBe("1");
  });
});
