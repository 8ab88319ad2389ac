/** Messages requests as internal requests, per kind of target, through the real edge schema. */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import type { Protocol } from "../../config/schema";
import { InvalidRequestError } from "../../errors";
import { toChatRequest } from "./request";
import { messagesRequestSchema } from "./schema";

const translate = (body: Record<string, unknown>, target: Protocol = "openai") =>
  toChatRequest(z.parse(messagesRequestSchema, { model: "m", max_tokens: 100, ...body }), target);
const user = (content: unknown) => ({ role: "user", content });

function refusal(body: Record<string, unknown>): InvalidRequestError {
  try {
    translate(body);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return err as InvalidRequestError;
  }
  throw new Error("expected a 400");
}

describe("toChatRequest: messages", () => {
  it("puts system text first, keeping cache_control only for targets that translate", () => {
    const body = { system: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }], messages: [user([{ type: "text", text: "q", cache_control: { type: "ephemeral" } }])] };
    expect(translate(body).messages).toEqual([
      { role: "system", content: [{ type: "text", text: "S" }] },
      { role: "user", content: [{ type: "text", text: "q" }] },
    ]);
    expect(translate(body, "anthropic").messages).toEqual([
      { role: "system", content: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }] },
      { role: "user", content: [{ type: "text", text: "q", cache_control: { type: "ephemeral" } }] },
    ]);
    expect(translate({ system: "Plain.", messages: [user("q")] }).messages[0]).toEqual({ role: "system", content: "Plain." });
  });

  it("turns tool results into tool messages, moving their images into a user message after them", () => {
    const messages = [
      user("q"),
      { role: "assistant", content: [{ type: "text", text: "Reading." }, { type: "tool_use", id: "toolu_1", name: "Read", input: { path: "a.png" } }] },
      user([
        {
          type: "tool_result",
          tool_use_id: "toolu_1",
          is_error: true,
          content: [
            { type: "text", text: "Here it is." },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
          ],
        },
        { type: "text", text: "What is it?" },
      ]),
    ];
    expect(translate({ messages }).messages.slice(1)).toEqual([
      { role: "assistant", content: "Reading.", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "Read", arguments: '{"path":"a.png"}' } }] },
      { role: "tool", tool_call_id: "toolu_1", content: "Here it is." },
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } }, { type: "text", text: "What is it?" }] },
    ]);
    expect(translate({ messages }, "gemini").messages[2]).toMatchObject({ role: "tool", is_error: true });
  });

  it("carries thinking as reasoning_content, and signatures by their origin for targets that translate", () => {
    const messages = [
      user("q"),
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "A.", signature: "c2ln" },
          { type: "redacted_thinking", data: "cmVk" },
          { type: "thinking", thinking: "B.", signature: "google-gemini-v1:Z2Vt" },
          { type: "thinking", thinking: "C.", signature: "" },
          { type: "text", text: "Done." },
        ],
      },
      user("r"),
    ];
    expect(translate({ messages }).messages[1]).toEqual({ role: "assistant", content: "Done.", reasoning_content: "A.B.C." });
    expect(translate({ messages }, "anthropic").messages[1]).toMatchObject({
      reasoning_details: [
        { type: "reasoning.text", text: "A.", signature: "c2ln", format: "anthropic-claude-v1" },
        { type: "reasoning.encrypted", data: "cmVk", format: "anthropic-claude-v1" },
        { type: "reasoning.encrypted", data: "Z2Vt", format: "google-gemini-v1" },
      ],
    });
  });

  it("drops server-tool traffic, and refuses block types it cannot carry, naming them", () => {
    const messages = [
      user("q"),
      { role: "assistant", content: [{ type: "server_tool_use", id: "s", name: "web_search", input: {} }, { type: "web_search_tool_result", tool_use_id: "s", content: [] }, { type: "text", text: "Found." }] },
      user("r"),
    ];
    expect(translate({ messages }).messages[1]).toEqual({ role: "assistant", content: "Found." });
    expect(refusal({ messages: [user([{ type: "hologram" }])] }).param).toBe("messages[0].content[0].type");
    expect(refusal({ messages: [user([{ type: "image", source: { type: "file", file_id: "f" } }])] }).param).toBe("messages[0].content[0].source");
  });

  it("sends PDFs as file parts and text documents as text", () => {
    const content = [
      { type: "document", title: "a.pdf", source: { type: "base64", media_type: "application/pdf", data: "JVBE" } },
      { type: "document", source: { type: "text", media_type: "text/plain", data: "Notes." } },
      { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
    ];
    expect(translate({ messages: [user(content)] }).messages[0]).toEqual({
      role: "user",
      content: [
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBE", filename: "a.pdf" } },
        { type: "text", text: "Notes." },
        { type: "image_url", image_url: { url: "https://example.com/a.jpg" } },
      ],
    });
  });
});

describe("toChatRequest: parameters", () => {
  const tool = { name: "f", description: "F", input_schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: {} } };

  it("declares client tools without $schema, leaves server tools out, and maps tool_choice", () => {
    const req = translate({ messages: [user("q")], tools: [tool, { type: "web_search_20250305", name: "web_search" }], tool_choice: { type: "any", disable_parallel_tool_use: true } });
    expect(req.tools).toEqual([{ type: "function", function: { name: "f", description: "F", parameters: { type: "object", properties: {} } } }]);
    expect(req).toMatchObject({ tool_choice: "required", parallel_tool_calls: false });
    expect(translate({ messages: [user("q")], tools: [tool], tool_choice: { type: "tool", name: "f", disable_parallel_tool_use: true } }, "gemini")).not.toHaveProperty("parallel_tool_calls");
    expect(translate({ messages: [user("q")], tools: [tool], tool_choice: { type: "none" } }).tool_choice).toBe("none");
    expect(translate({ messages: [user("q")], tools: [{ type: "web_search_20250305", name: "w" }], tool_choice: { type: "auto" } })).not.toHaveProperty("tool_choice");
  });

  it.each([
    [{ type: "enabled", budget_tokens: 1024 }, {}, "low"],
    [{ type: "enabled", budget_tokens: 8000 }, {}, "medium"],
    [{ type: "enabled", budget_tokens: 31999 }, {}, "high"],
    [{ type: "adaptive" }, {}, "high"],
    [{ type: "adaptive" }, { effort: "low" }, "low"],
    [{ type: "adaptive" }, { effort: "max" }, "high"],
    [{ type: "disabled" }, {}, undefined],
    [{ type: "some_future_mode" }, {}, undefined],
  ])("maps thinking %j with output_config %j to reasoning_effort %s", (thinking, output_config, effort) => {
    expect(translate({ messages: [user("q")], thinking, output_config }).reasoning_effort).toBe(effort);
  });

  it("maps sampling, stop sequences, structured output and streaming; top_k and the user id only for targets that take them", () => {
    const body = {
      messages: [user("q")],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ["END"],
      stream: true,
      metadata: { user_id: "u-1" },
      output_config: { format: { type: "json_schema", schema: { type: "object" } } },
    };
    expect(translate(body)).toEqual({
      model: "m",
      messages: [{ role: "user", content: "q" }],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["END"],
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: "json_schema", json_schema: { name: "output", schema: { type: "object" }, strict: true } },
    });
    expect(translate(body, "anthropic")).toMatchObject({ top_k: 5, user: "u-1" });
  });
});
