/**
 * Where the Anthropic adapter sends a request: Anthropic's `/v1/messages` with the version
 * header, or Vertex AI's rawPredict/streamRawPredict with the model in the URL and the
 * version in the body.
 */
import { describe, expect, it } from "vitest";
import { chatRequestSchema } from "../../openai/chat-request";
import { anthropicRequest } from "./index";
import { onVertex } from "./wire";

const VERTEX = "https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models";
const request = (stream: boolean) => chatRequestSchema.parse({ model: "x", stream, messages: [{ role: "user", content: "Hello" }] });

describe("anthropicRequest", () => {
  it("posts to /v1/messages with the model in the body and the version in a header", () => {
    const spec = anthropicRequest(request(false), "https://api.anthropic.com", "claude-haiku-4-5");
    expect(spec.url).toBe("https://api.anthropic.com/v1/messages");
    expect(spec.headers["anthropic-version"]).toBe("2023-06-01");
    expect(JSON.parse(spec.body)).toMatchObject({ model: "claude-haiku-4-5", max_tokens: 4096 });
  });

  it("on Vertex AI posts to {model}:rawPredict, without model and with anthropic_version in the body", () => {
    const spec = anthropicRequest(request(false), VERTEX, "claude-sonnet-4@20250514");
    expect(spec.url).toBe(`${VERTEX}/claude-sonnet-4@20250514:rawPredict`);
    expect(spec.headers).not.toHaveProperty("anthropic-version");
    const body = JSON.parse(spec.body) as Record<string, unknown>;
    expect(body).not.toHaveProperty("model");
    expect(body).toMatchObject({ anthropic_version: "vertex-2023-10-16", max_tokens: 4096, messages: [{ role: "user" }] });
  });

  it("on Vertex AI streams through {model}:streamRawPredict with stream: true", () => {
    const spec = anthropicRequest(request(true), VERTEX, "claude-sonnet-4@20250514");
    expect(spec.url).toBe(`${VERTEX}/claude-sonnet-4@20250514:streamRawPredict`);
    expect(spec.headers.accept).toBe("text/event-stream");
    expect(JSON.parse(spec.body)).toMatchObject({ anthropic_version: "vertex-2023-10-16", stream: true });
  });

  it("tells a Vertex base URL from Anthropic's and from Gemini's on Vertex", () => {
    expect(onVertex(VERTEX)).toBe(true);
    expect(onVertex("https://api.anthropic.com")).toBe(false);
    expect(onVertex(VERTEX.replace("anthropic", "google"))).toBe(false);
  });
});
