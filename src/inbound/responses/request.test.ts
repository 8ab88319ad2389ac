/** Responses requests as the internal Chat Completions request, per kind of target. */
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../errors";
import { toChatRequest, toolsOf } from "./request";
import { responsesRequestSchema, type ResponsesRequest } from "./schema";

function parse(body: Record<string, unknown>): ResponsesRequest {
  const result = responsesRequestSchema.safeParse(body);
  if (!result.success) throw new Error(JSON.stringify(result.error.issues));
  return result.data;
}

function translate(body: Record<string, unknown>, target: "openai" | "gemini" | "anthropic" = "openai") {
  const req = parse(body);
  const input = typeof req.input === "string" ? [{ role: "user" as const, content: req.input }] : (req.input ?? []);
  return toChatRequest(req, input, toolsOf(req), target);
}

const fn = (name: string) => ({ type: "function", name, description: `${name} it`, parameters: { type: "object", properties: {} }, strict: false });

describe("toChatRequest", () => {
  it("takes a string input, instructions and the sampling fields", () => {
    const req = translate({ model: "SMALL", input: "Hi", instructions: "Be brief.", max_output_tokens: 100, temperature: 0.5, top_p: 0.9, stream: true });
    expect(req).toEqual({
      model: "SMALL",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("maps developer to system and keeps parts: text, images, files", () => {
    const req = translate({
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "Rule one." }, { type: "input_text", text: "Rule two." }] },
        { role: "user", content: [{ type: "input_text", text: "Look" }, { type: "input_image", image_url: "https://example.com/a.png", detail: "low" }, { type: "input_file", file_data: "data:application/pdf;base64,JVBE", filename: "a.pdf" }] },
      ],
    });
    expect(req.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "Rule one." }, { type: "text", text: "Rule two." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBE", filename: "a.pdf" } },
        ],
      },
    ]);
  });

  it("replays a tool round trip as one assistant turn with its tool messages, images after them", () => {
    const req = translate({
      input: [
        { role: "user", content: "Run it" },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thinking." }], encrypted_content: '{"type":"reasoning.encrypted","data":"Z2Vt","format":"google-gemini-v1"}' },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "On it." }] },
        { type: "function_call", id: "fc_1", call_id: "call_a", name: "exec_command", arguments: '{"cmd":"ls"}' },
        { type: "function_call", call_id: "call_b", name: "spawn_agent", namespace: "multi_agent_v1", arguments: "{}" },
        { type: "function_call_output", call_id: "call_a", output: "file.txt" },
        { type: "function_call_output", call_id: "call_b", output: [{ type: "input_text", text: "spawned" }, { type: "input_image", image_url: "data:image/png;base64,AAAA" }] },
        { type: "web_search_call", id: "ws_1", status: "completed" },
        { role: "user", content: "Thanks" },
      ],
    }, "gemini");
    expect(req.messages).toEqual([
      { role: "user", content: "Run it" },
      {
        role: "assistant",
        content: "On it.",
        reasoning_content: "Thinking.",
        reasoning_details: [{ type: "reasoning.encrypted", data: "Z2Vt", format: "google-gemini-v1" }],
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "exec_command", arguments: '{"cmd":"ls"}' } },
          { id: "call_b", type: "function", function: { name: "multi_agent_v1__spawn_agent", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "file.txt" },
      { role: "tool", tool_call_id: "call_b", content: "spawned" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("gives OpenAI-compatible targets the reasoning text only, signed blocks their text back, and OpenAI's own blobs to nobody", () => {
    const input = [
      { role: "user", content: "Q" },
      { type: "reasoning", summary: [{ type: "summary_text", text: "Signed." }], encrypted_content: '{"type":"reasoning.text","signature":"c2ln","format":"anthropic-claude-v1"}' },
      { type: "reasoning", summary: [], encrypted_content: "gAAAAABopaque" },
      { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
      { type: "function_call_output", call_id: "c", output: "ok" },
    ];
    expect(translate({ input }).messages[1]).toEqual({ role: "assistant", content: null, reasoning_content: "Signed.", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] });
    expect(translate({ input }, "anthropic").messages[1]!).toMatchObject({
      reasoning_details: [{ type: "reasoning.text", text: "Signed.", signature: "c2ln", format: "anthropic-claude-v1" }],
    });
  });

  it("flattens namespace tools, leaves hosted tools out and names them", () => {
    const body = parse({
      input: "x",
      tools: [fn("exec_command"), { type: "namespace", name: "multi_agent_v1", description: "Agents", tools: [fn("spawn_agent"), { type: "web_search" }] }, { type: "web_search", external_web_access: true }, { type: "custom", name: "apply_patch" }],
      tool_choice: "auto",
      parallel_tool_calls: true,
    });
    const tools = toolsOf(body);
    expect(tools.dropped).toEqual(["web_search", "web_search", "custom"]);
    expect([...tools.names]).toEqual([["multi_agent_v1__spawn_agent", { namespace: "multi_agent_v1", name: "spawn_agent" }]]);
    const req = toChatRequest(body, [{ role: "user", content: "x" }], tools, "openai");
    expect(req.tools).toEqual([
      { type: "function", function: { name: "exec_command", description: "exec_command it", parameters: { type: "object", properties: {} }, strict: false } },
      { type: "function", function: { name: "multi_agent_v1__spawn_agent", description: "spawn_agent it", parameters: { type: "object", properties: {} }, strict: false } },
    ]);
    expect(req).toMatchObject({ tool_choice: "auto", parallel_tool_calls: true });
  });

  it.each([
    [{ type: "function", name: "exec_command" }, { type: "function", function: { name: "exec_command" } }],
    [{ type: "function", name: "spawn_agent", namespace: "multi_agent_v1" }, { type: "function", function: { name: "multi_agent_v1__spawn_agent" } }],
    [{ type: "allowed_tools", mode: "required", tools: [] }, "required"],
    ["none", "none"],
  ])("maps tool_choice %j", (tool_choice, expected) => {
    const req = translate({ input: "x", tools: [fn("exec_command"), { type: "namespace", name: "multi_agent_v1", tools: [fn("spawn_agent")] }], tool_choice });
    expect(req.tool_choice).toEqual(expected);
  });

  it.each([{ type: "web_search_preview" }, { type: "function", name: "missing" }, { type: "custom", name: "apply_patch" }])("refuses a tool_choice forcing %j, which no target can run", (tool_choice) => {
    const run = () => translate({ input: "x", tools: [fn("exec_command"), { type: "web_search" }], tool_choice });
    expect(run).toThrow(InvalidRequestError);
    expect(run).toThrow(/tool_choice forces/);
  });

  it("maps reasoning effort and text.format, and leaves parallel_tool_calls: false out for Gemini", () => {
    const body = { input: "x", reasoning: { effort: "xhigh", summary: "auto" }, text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } }, tools: [fn("f")], parallel_tool_calls: false };
    expect(translate(body)).toMatchObject({ reasoning_effort: "high", response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } }, parallel_tool_calls: false });
    expect(translate(body, "gemini").parallel_tool_calls).toBeUndefined();
    expect(translate({ input: "x", reasoning: {}, text: { format: { type: "json_object" } } })).toMatchObject({ response_format: { type: "json_object" } });
    expect(translate({ input: "x", reasoning: {} }).reasoning_effort).toBeUndefined();
  });

  it("refuses an empty conversation and images it cannot send, naming the field", () => {
    expect(() => translate({ input: [] })).toThrow(/input is required/);
    try {
      translate({ input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] });
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidRequestError).param).toBe("input[0].content[0].image_url");
    }
  });
});
