/** The Responses routes' edges: errors in OpenAI's shape, input_tokens, both spellings, stored streams. */
import { describe, expect, it } from "vitest";
import { call, postJson, sim } from "./helpers";
import { checkResponsesStream } from "./responses-grammar";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe("POST /v1/responses", () => {
  it("is served without /v1 too, and ignores fields it does not act on", async () => {
    const res = await postJson("/responses", {
      model: "sim-small",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: sim({ reply: "ok" }) }] }, { type: "local_shell_call", id: "ls_1", status: "completed" }],
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "k",
      truncation: "auto",
      service_tier: "auto",
      store: false,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: "response", status: "completed", output: [{ type: "message", content: [{ text: "ok" }] }] });
  });

  it.each([
    [{ model: "sim-small", input: 5 }, "input"],
    [{ model: "sim-small", input: "x", temperature: 3 }, "temperature"],
    [{ model: "sim-small", input: [{ role: "robot", content: "x" }] }, "input[0].role"],
    [{ model: "sim-small", input: [{ type: "function_call", call_id: "c", arguments: "{}" }] }, "input[0].name"],
    [{ model: "sim-small", input: "x", tools: [{ type: "function", name: "bad name" }] }, "tools[0].name"],
    [{ model: "sim-small", input: "x", tools: [{ type: "web_search" }], tool_choice: { type: "web_search" } }, "tool_choice"],
    [{ model: "sim-small", input: [] }, "input"],
  ])("refuses %j with a 400 naming %s, in OpenAI's shape", async (body, param) => {
    const res = await postJson("/v1/responses", body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("answers 401, 404 and 405 in OpenAI's shape", async () => {
    const unauthorized = await postJson("/v1/responses", { model: "sim-small", input: "x" }, { key: "wrong" });
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as ErrorBody).error.type).toBe("authentication_error");
    const unknown = await postJson("/v1/responses", { model: "no-such-model", input: "x" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).error.code).toBe("model_not_found");
    const wrongMethod = await call("/v1/responses");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });

  it("stores a streamed response before it says it is complete", async () => {
    const res = await postJson("/v1/responses", { model: "gemini-sim", input: sim({ reply: "Streamed and kept." }), stream: true });
    const checked = checkResponsesStream(await res.text());
    expect(checked.outcome).toBe("completed");
    const got = await call(`/v1/responses/${String(checked.response.id)}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(checked.response);
  });
});

describe("POST /v1/responses/input_tokens", () => {
  const count = async (body: Record<string, unknown>) => {
    const res = await postJson("/v1/responses/input_tokens", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-estimated")).toBe("true");
    const json = (await res.json()) as { object: string; input_tokens: number };
    expect(json.object).toBe("response.input_tokens");
    return json.input_tokens;
  };

  it("estimates, counting instructions, tools and a stored conversation", async () => {
    const small = await count({ model: "sim-small", input: "Hi" });
    expect(small).toBeGreaterThan(0);
    const withTools = await count({ model: "sim-small", input: "Hi", instructions: "Answer in rhyme, always.", tools: [{ type: "function", name: "f", parameters: { type: "object" } }] });
    expect(withTools).toBeGreaterThan(small);
    const stored = (await (await postJson("/v1/responses", { model: "sim-small", input: `A long first question about many things. ${sim({ reply: "A long first answer." })}` })).json()) as { id: string };
    expect(await count({ previous_response_id: stored.id, input: "Hi" })).toBeGreaterThan(small);
  });

  it("answers 404 for an unknown model and an unknown previous response", async () => {
    expect((await postJson("/v1/responses/input_tokens", { model: "no-such-model", input: "x" })).status).toBe(404);
    const res = await postJson("/v1/responses/input_tokens", { input: "x", previous_response_id: "resp_00000000000000000000000000000000" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.param).toBe("previous_response_id");
  });
});
