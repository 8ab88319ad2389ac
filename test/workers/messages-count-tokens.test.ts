/**
 * POST /v1/messages/count_tokens for a model an Anthropic provider serves (the model asked
 * for, or the first of its candidates the client key may use): the provider counts (its
 * `/v1/messages/count_tokens`, the client's body with only `model` changed), and the
 * answer carries no `x-proxy-estimated`. When the provider cannot answer, the routing
 * estimate stands in and says so. Counting takes no request quota, as Anthropic's own
 * count_tokens does not count against message rate limits; a client key's allow-list
 * still applies.
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { anthropicClient } from "./clients";
import { postJson, recorded, sim } from "./helpers";

const { client } = anthropicClient();
const tag = () => `ct-${crypto.randomUUID()}`;

const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city.",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("count_tokens for a model an Anthropic provider serves", () => {
  it("answers the provider's own count, sending it the client's body with the provider's model name", async () => {
    const t = tag();
    const params = {
      model: "claude-sim",
      system: [{ type: "text" as const, text: "Be brief.", cache_control: { type: "ephemeral" as const } }],
      tools: [weather],
      thinking: { type: "enabled" as const, budget_tokens: 2048 },
      messages: [{ role: "user" as const, content: `How many tokens is this? ${sim({ tag: t, count: 4242 })}` }],
    };
    const { data, response } = await client.messages.countTokens(params).withResponse();
    expect(data.input_tokens).toBe(4242);
    expect(response.headers.get("x-proxy-estimated")).toBeNull();
    const asked = await recorded(t);
    expect(asked.map((r) => r.path)).toEqual(["/anthropic/v1/messages/count_tokens"]);
    expect(asked[0]!.body).toEqual({ ...params, model: "claude-haiku-4-5" });
    expect(asked[0]!.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("sends the client's own text, only `model` spliced in", async () => {
    const t = tag();
    const content = `Count ${sim({ tag: t, count: 7 })}`.replaceAll('"', '\\"');
    const text = `{ "messages" : [{"role": "user", "content": "${content}"}],\n  "model": "claude-sim", "thinking": {"type": "enabled", "budget_tokens": 2.048e3} }`;
    const res = await postJson("/v1/messages/count_tokens", text);
    expect(await res.json()).toEqual({ input_tokens: 7 });
    const [asked] = await recorded(t);
    expect(asked!.raw).toBe(`{"messages" : [{"role": "user", "content": "${content}"}],"model":"claude-haiku-4-5","thinking": {"type": "enabled", "budget_tokens": 2.048e3}}`);
  });

  it("refuses, in Anthropic's shape and without asking anyone, a model the client key may not use", async () => {
    const t = tag();
    const narrowClient = anthropicClient({ key: "sk-cl-narrow-0123456789" }).client;
    const err = await narrowClient.messages.countTokens({ model: "claude-sim", messages: [{ role: "user", content: `Hi ${sim({ tag: t })}` }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type: "permission_error", message: "This client key may not use the model 'claude-sim'." },
    });
    expect(await recorded(t)).toHaveLength(0);
  });

  it.each([
    ["answers 500", { status: 500 }],
    ["refuses the key", { status: 401 }],
    ["drops the connection", { drop: true }],
    ["answers no count", { count: -1 }],
  ])("falls back to the estimate, saying so, when the provider %s", async (_, fault) => {
    const t = tag();
    const messages = [{ role: "user" as const, content: `How many tokens is this? ${sim({ tag: t, ...fault })}` }];
    const { data, response } = await client.messages.countTokens({ model: "claude-sim", messages }).withResponse();
    expect(response.headers.get("x-proxy-estimated")).toBe("true");
    const estimate = await client.messages.countTokens({ model: "sim-small", messages });
    expect(data.input_tokens).toBe(estimate.input_tokens);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("takes no request quota: a model allowed one request a minute still answers after three counts", async () => {
    const t = tag();
    const content = `Hi ${sim({ tag: t, reply: "Hello." })}`;
    for (let i = 0; i < 3; i++) {
      const { response } = await client.messages.countTokens({ model: "claude-count", messages: [{ role: "user", content }] }).withResponse();
      expect(response.headers.get("x-proxy-estimated")).toBeNull();
    }
    const message = await client.messages.create({ model: "claude-count", max_tokens: 32, messages: [{ role: "user", content }] });
    expect(message.content).toEqual([{ type: "text", text: "Hello." }]);
    expect((await recorded(t)).map((r) => r.path)).toEqual([...Array(3).fill("/anthropic/v1/messages/count_tokens"), "/anthropic/v1/messages"]);
  });
});

/**
 * CTMIX (test/models.test.yaml): an OpenAI-compatible model first, then two Anthropic ones.
 * cl-ctmix may use the first and the second Anthropic one only; cl-ctopen the first only.
 */
describe("count_tokens for a category led by a model no Anthropic provider serves", () => {
  const messages = (t: string, count = 777) => [{ role: "user" as const, content: `How many tokens is this? ${sim({ tag: t, count })}` }];

  it("asks the first Anthropic member, not estimating because another leads", async () => {
    const t = tag();
    const { data, response } = await client.messages.countTokens({ model: "CTMIX", messages: messages(t) }).withResponse();
    expect(data.input_tokens).toBe(777);
    expect(response.headers.get("x-proxy-estimated")).toBeNull();
    expect(response.headers.get("x-proxy-model")).toBe("ctmix-claude-a");
    const asked = await recorded(t);
    expect(asked.map((r) => [r.path, r.body.model])).toEqual([["/anthropic/v1/messages/count_tokens", "claude-ctmix-a"]]);
  });

  it("asks the first Anthropic member the client key may use", async () => {
    const t = tag();
    const narrowed = anthropicClient({ key: "sk-cl-ctmix-0123456789" }).client;
    const { data, response } = await narrowed.messages.countTokens({ model: "CTMIX", messages: messages(t, 555) }).withResponse();
    expect(data.input_tokens).toBe(555);
    expect(response.headers.get("x-proxy-model")).toBe("ctmix-claude-b");
    expect((await recorded(t)).map((r) => r.body.model)).toEqual(["claude-ctmix-b"]);
  });

  it("estimates, saying so and asking no one, when the client key may use no Anthropic member", async () => {
    const t = tag();
    const openOnly = anthropicClient({ key: "sk-cl-ctopen-0123456789" }).client;
    const { data, response } = await openOnly.messages.countTokens({ model: "CTMIX", messages: messages(t) }).withResponse();
    expect(response.headers.get("x-proxy-estimated")).toBe("true");
    expect(response.headers.get("x-proxy-model")).toBeNull();
    expect(data.input_tokens).toBe((await client.messages.countTokens({ model: "sim-small", messages: messages(t) })).input_tokens);
    expect(await recorded(t)).toHaveLength(0);
  });

  it("estimates when the Anthropic member cannot count", async () => {
    const t = tag();
    const { data, response } = await client.messages.countTokens({ model: "CTMIX", messages: [{ role: "user", content: `Count? ${sim({ tag: t, status: 500 })}` }] }).withResponse();
    expect(response.headers.get("x-proxy-estimated")).toBe("true");
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(await recorded(t)).toHaveLength(1);
  });
});
