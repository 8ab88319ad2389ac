/**
 * What a client may not steer: OpenRouter's routing fields reach the upstream only where
 * the provider allows them, `n` above a model's `max_choices` is refused, and output
 * token limits are held to a model's `max_output_tokens`, for each adapter.
 */
import { describe, expect, it } from "vitest";
import { chat, recorded, sim } from "./helpers";

const tag = () => `t-${crypto.randomUUID()}`;
const ROUTING = { models: ["openai/gpt-4o", "anthropic/claude-opus-4"], route: "fallback", provider: { order: ["OpenAI"], allow_fallbacks: true } };

async function upstreamBody(model: string, extra: Record<string, unknown>) {
  const t = tag();
  const res = await chat(model, sim({ tag: t }), extra);
  expect(res.status).toBe(200);
  return (await recorded(t))[0]!.body;
}

describe("routing fields", () => {
  it("drops models, route and provider unless the provider allows them", async () => {
    const body = await upstreamBody("sim-small", { ...ROUTING, temperature: 0.1 });
    expect(body).not.toHaveProperty("models");
    expect(body).not.toHaveProperty("route");
    expect(body).not.toHaveProperty("provider");
    expect(body.temperature).toBe(0.1);
  });

  it("passes them through with allow_routing_fields: true", async () => {
    expect(await upstreamBody("pol-routing", ROUTING)).toMatchObject(ROUTING);
  });
});

describe("fields in other letters", () => {
  it("refuses a steered field written in other case, which Go upstreams would read as the field, calling no upstream", async () => {
    for (const [key, value] of [["MODEL", "other/model"], ["N", 5], ["Max_Tokens", 100000], ["Provider", { order: ["x"] }], ["modelſ", ["x/y"]]] as const) {
      const t = tag();
      const res = await chat("sim-small", sim({ tag: t }), { [key]: value });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param: key, code: "invalid_field" });
      expect(await recorded(t)).toHaveLength(0);
    }
  });

  it("passes other fields through whatever their case", async () => {
    expect(await upstreamBody("sim-small", { Seed: 7, X_Custom: true })).toMatchObject({ Seed: 7, X_Custom: true });
  });
});

describe("n", () => {
  it("refuses n above 1 for a model that does not allow it, calling no upstream", async () => {
    const t = tag();
    const res = await chat("sim-small", sim({ tag: t }), { n: 2 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param: "n", code: "invalid_value" });
    expect(await recorded(t)).toHaveLength(0);
  });

  it("allows up to the model's max_choices", async () => {
    expect((await upstreamBody("pol-choices", { n: 3 })).n).toBe(3);
    expect((await chat("pol-choices", "hi", { n: 4 })).status).toBe(400);
  });
});

describe("max_output_tokens", () => {
  it.each([
    ["max_tokens above the cap", { max_tokens: 5000 }, { max_tokens: 100 }],
    ["max_completion_tokens above the cap", { max_completion_tokens: 5000 }, { max_completion_tokens: 100 }],
    ["no limit at all", {}, { max_tokens: 100 }],
    ["a limit below the cap, untouched", { max_tokens: 40 }, { max_tokens: 40 }],
  ])("openai: %s", async (_, extra, expected) => {
    expect(await upstreamBody("pol-capped", extra)).toMatchObject(expected);
  });

  it("anthropic: the Messages body's max_tokens is capped", async () => {
    expect((await upstreamBody("pol-claude", { max_tokens: 5000 })).max_tokens).toBe(100);
    expect((await upstreamBody("pol-claude", {})).max_tokens).toBe(100);
  });

  it("gemini: generationConfig.maxOutputTokens is capped", async () => {
    expect(await upstreamBody("pol-gemini", { max_tokens: 5000 })).toMatchObject({ generationConfig: { maxOutputTokens: 100 } });
  });
});
