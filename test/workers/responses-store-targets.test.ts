/**
 * Stored responses on /v1/responses whatever serves them: the same table over an
 * OpenAI-compatible, a Gemini and an Anthropic target. A conversation continued with
 * `previous_response_id` over three turns (plain and streamed) reaches the upstream whole,
 * in that target's own shape; GET returns each stored response as it was answered;
 * DELETE removes one, after which GET, DELETE and continuing from it are 404s while its
 * predecessors stay; `store: false` leaves nothing behind, streamed or not.
 */
import type OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { responsesClient } from "./clients";
import { call, recorded, sim } from "./helpers";

const { client, checked } = responsesClient();
afterEach(async () => {
  await checked();
});

const tag = () => `rs-${crypto.randomUUID()}`;

const TARGETS = [
  { kind: "an OpenAI-compatible provider", model: "sim-small", upstream: "sim/small-1", path: "/openai/v1/chat/completions" },
  { kind: "Gemini", model: "gemini-sim", upstream: "gemini-2.5-flash", path: "/gemini/v1beta/models/gemini-2.5-flash:generateContent" },
  { kind: "Anthropic", model: "claude-sim", upstream: "claude-haiku-4-5", path: "/anthropic/v1/messages" },
];

async function streamedResponse(params: Omit<OpenAI.Responses.ResponseCreateParamsNonStreaming, "stream">): Promise<OpenAI.Responses.Response> {
  return client.responses.stream(params).finalResponse();
}

/** The SDK's streaming helper adds `parsed` to the text it assembles; the wire never has it. */
const withoutParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "parsed" ? undefined : v)));

describe.each(TARGETS)("stored responses served by $kind", ({ model, upstream, path }) => {
  it("continues over three turns, GET returns each turn, DELETE removes one and leaves the others", async () => {
    const t = tag();
    const one = await client.responses.create({ model, input: `My name is Ada. ${sim({ tag: t, reply: "Hello Ada." })}` });
    const two = await streamedResponse({ model, previous_response_id: one.id, input: `I live in Paris. ${sim({ tag: t, reply: "Paris, noted." })}` });
    const three = await client.responses.create({ model, previous_response_id: two.id, input: `Who and where am I? ${sim({ tag: t, reply: "Ada, in Paris." })}` });
    expect([one.output_text, two.output_text, three.output_text]).toEqual(["Hello Ada.", "Paris, noted.", "Ada, in Paris."]);
    expect([two.previous_response_id, three.previous_response_id]).toEqual([one.id, two.id]);

    const asked = await recorded(t);
    expect(asked).toHaveLength(3);
    expect(asked[2]!.path).toBe(path);
    const last = JSON.stringify(asked[2]!.body);
    for (const said of ["My name is Ada.", "Hello Ada.", "I live in Paris.", "Paris, noted.", "Who and where am I?"]) expect(last).toContain(said);

    for (const [response, text] of [[one, "Hello Ada."], [two, "Paris, noted."], [three, "Ada, in Paris."]] as const) {
      const got = await client.responses.retrieve(response.id);
      expect(got).toMatchObject({ id: response.id, object: "response", status: "completed", model: upstream, output_text: text, store: true });
      expect(got.output).toEqual(withoutParsed(response.output));
    }

    const deleted = await call(`/v1/responses/${two.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: two.id, object: "response", deleted: true });
    await expect(client.responses.retrieve(two.id)).rejects.toMatchObject({ status: 404, code: "response_not_found" });
    expect((await call(`/v1/responses/${two.id}`, { method: "DELETE" })).status).toBe(404);
    const after = await client.responses.create({ model, previous_response_id: two.id, input: `Still there? ${sim({ tag: t })}` }).catch((e: unknown) => e);
    expect(after).toMatchObject({ status: 404, param: "previous_response_id", code: "previous_response_not_found" });
    expect((await client.responses.retrieve(one.id)).output_text).toBe("Hello Ada.");
    expect((await client.responses.retrieve(three.id)).output_text).toBe("Ada, in Paris.");
    // The third turn holds its whole conversation: it continues without the deleted one.
    const four = await client.responses.create({ model, previous_response_id: three.id, input: `Thanks. ${sim({ tag: t, reply: "Welcome, Ada." })}` });
    expect(four.output_text).toBe("Welcome, Ada.");
    const calls = await recorded(t);
    expect(calls).toHaveLength(4);
    expect(JSON.stringify(calls[3]!.body)).toContain("Paris, noted.");
  });

  it.each([false, true])("stores nothing for store: false (streamed: %s)", async (stream) => {
    const t = tag();
    const params = { model, store: false, input: `Forget me. ${sim({ tag: t, reply: "Forgotten." })}` };
    const created = stream ? await streamedResponse(params) : await client.responses.create(params);
    expect(created).toMatchObject({ output_text: "Forgotten.", store: false });
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await call(`/v1/responses/${created.id}`, { method: "DELETE" })).status).toBe(404);
    const next = await client.responses.create({ model, previous_response_id: created.id, input: `And? ${sim({ tag: t })}` }).catch((e: unknown) => e);
    expect(next).toMatchObject({ status: 404, param: "previous_response_id", code: "previous_response_not_found" });
    const referenced = await client.responses
      .create({ model, input: [{ type: "item_reference", id: created.output[0]!.id! }, { role: "user", content: "Again?" }] })
      .catch((e: unknown) => e);
    expect(referenced).toMatchObject({ status: 404, param: "input[0].id" });
    expect(await recorded(t)).toHaveLength(1);
  });
});
