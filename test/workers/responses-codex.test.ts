/**
 * The golden Codex request (test/fixtures/codex/request.json: what Codex CLI 0.171.0
 * sends, long texts elided) served by each kind of target: developer messages as system,
 * function tools and a namespace's functions flattened, the hosted web_search tool left
 * out (and said so in the log), never a 400; the answer streams in the documented event
 * sequence. Its tool round trip replays function_call and function_call_output items,
 * with no previous_response_id.
 */
import { describe, expect, it } from "vitest";
import fixture from "../fixtures/codex/request.json";
import { appPost, captureLogs } from "./app-fetch";
import { checkResponsesStream } from "./responses-grammar";
import { KEY, postJson, recorded, sim } from "./helpers";

type Json = Record<string, unknown>;
type Item = Json & { type?: string; content?: Array<Json> };
const tag = () => `cx-${crypto.randomUUID()}`;

/** The recorded body with a simulator directive in its last input text, and optionally another model. */
function codexBody(directive: Json, model?: string, extra: Item[] = []): Json & { input: Item[] } {
  const body = structuredClone(fixture.main.body) as unknown as Json & { input: Item[] };
  const last = body.input.at(-1)!.content!.at(-1)!;
  last.text = `${String(last.text)} ${sim(directive)}`;
  body.input.push(...extra);
  return model ? { ...body, model } : body;
}

async function send(body: Json) {
  const headers: Record<string, string> = { ...fixture.main.headers, authorization: `Bearer ${KEY}` };
  for (const drop of ["host", "content-length", "accept-encoding"]) delete headers[drop];
  const res = await postJson("/v1/responses", body, { key: null, headers });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return { checked: checkResponsesStream(text), headers: res.headers };
}

const FUNCTIONS = fixture.main.body.tools.filter((t) => t.type === "function").map((t) => t.name);
const NAMESPACE = fixture.main.body.tools.find((t) => t.type === "namespace") as { name: string; tools: Array<{ name: string }> };
const FLAT = NAMESPACE.tools.map((t) => `${NAMESPACE.name}__${t.name}`);
/** The function_call item of the recorded round trip's follow-up request. */
const RECORDED_CALL = fixture.tool_round_trip.flatMap((r) => r.last_input_items as Item[]).find((i) => i.type === "function_call")!;
const outputText = (output: Json[]) => output.flatMap((o) => (o.type === "message" ? (o.content as Array<{ text: string }>).map((p) => p.text) : [])).join("");

describe.each([
  { model: "SMALL", served: "sim-small" },
  { model: "claude-sim", served: "claude-sim" },
  { model: "gemini-sim", served: "gemini-sim" },
])("the Codex request on $served", ({ model, served }) => {
  it("is answered in the documented event sequence, its tools flattened and web_search left out", async () => {
    const t = tag();
    const { checked, headers } = await send(codexBody({ tag: t, reply: "pong" }, model));
    expect(headers.get("x-proxy-model")).toBe(served);
    expect(checked.outcome).toBe("completed");
    expect(outputText(checked.response.output)).toBe("pong");
    expect(checked.response.store).toBe(false);
    const [sent] = await recorded(t);
    const text = JSON.stringify(sent!.body);
    for (const name of [...FUNCTIONS, ...FLAT]) expect(text).toContain(`"${name}"`);
    expect(text).not.toContain("web_search");
    expect(text).not.toContain("client_metadata");
    if (served === "sim-small") {
      const body = sent!.body as { messages: Json[]; tools: unknown[] };
      expect(body.messages.map((m) => m.role)).toEqual(["system", "system", "user", "user"]);
      expect(body.tools).toHaveLength(FUNCTIONS.length + FLAT.length);
    }
  });

  it("runs its tool round trip: function_call and function_call_output replayed, no previous_response_id", async () => {
    const t = tag();
    const first = await send(codexBody({ tag: t, tool_calls: [{ name: "exec_command", arguments: { cmd: "echo RA-CODEX-TOOL-MARKER" } }] }, model));
    const call = first.checked.response.output.find((o) => o.type === "function_call")!;
    expect(call).toMatchObject({ name: "exec_command", arguments: '{"cmd":"echo RA-CODEX-TOOL-MARKER"}', status: "completed" });
    // Codex sends the call back as it received it, with the tool's output.
    const replay: Item[] = [
      { ...RECORDED_CALL, id: call.id, call_id: call.call_id, arguments: call.arguments },
      { type: "function_call_output", id: "fco_1", call_id: call.call_id, output: `RA-CODEX-TOOL-MARKER ${sim({ tag: t, reply: "Done." })}` },
    ];
    const second = await send(codexBody({}, model, replay));
    expect(outputText(second.checked.response.output)).toBe("Done.");
    expect(JSON.stringify((await recorded(t))[1]!.body)).toContain("RA-CODEX-TOOL-MARKER");
  });

  it("answers a namespaced function under its own name and namespace, and takes it back", async () => {
    const t = tag();
    const first = await send(codexBody({ tag: t, tool_calls: [{ name: FLAT[0]!, arguments: { target: "a1" } }] }, model));
    const call = first.checked.response.output.find((o) => o.type === "function_call")!;
    expect(call).toMatchObject({ name: NAMESPACE.tools[0]!.name, namespace: NAMESPACE.name });
    const replay: Item[] = [call, { type: "function_call_output", call_id: call.call_id as string, output: `closed ${sim({ tag: t, reply: "Closed." })}` }];
    const second = await send(codexBody({}, model, replay));
    expect(outputText(second.checked.response.output)).toBe("Closed.");
    expect(JSON.stringify((await recorded(t))[1]!.body)).toContain(FLAT[0]!);
  });
});

describe("the Codex request's log line", () => {
  const logs = captureLogs();

  it("says which hosted tools were left out", async () => {
    const res = await appPost("/v1/responses", codexBody({ reply: "pong" }));
    expect(res.status).toBe(200);
    expect(logs.lineFor(res).notes).toEqual(["hosted tools left out: web_search"]);
  });

  it("names each left-out tool type once, and no type that is not a plain word", async () => {
    const tools = [{ type: "web_search" }, { type: "web_search" }, { type: "x".repeat(500) }, { type: "sk-a b" }];
    const res = await appPost("/v1/responses", { model: "sim-small", input: "Hi", tools, store: false });
    expect(res.status).toBe(200);
    expect(logs.lineFor(res).notes).toEqual(["hosted tools left out: web_search, other"]);
  });
});
