import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../errors";
import { type ChatRequest, chatRequestSchema } from "../../openai/chat-request";
import { buildGigachatRequest } from "./request";

const parameters = { type: "object", properties: { city: { type: "string" } } };
const tool = (name: string) => ({ type: "function", function: { name, description: `about ${name}`, parameters } });
const build = (body: Record<string, unknown>) => buildGigachatRequest(chatRequestSchema.parse({ model: "giga", ...body }) as ChatRequest, "GigaChat-Pro");

describe("buildGigachatRequest", () => {
  it("sends text messages, sampling and max_tokens, and nothing GigaChat does not take", () => {
    const body = build({
      stream: true,
      temperature: 0.2,
      max_completion_tokens: 50,
      stop: ["x"],
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Hi " }, { type: "text", text: "there" }] },
      ],
    });
    expect(body).toEqual({ model: "GigaChat-Pro", stream: true, temperature: 0.2, max_tokens: 50, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi there" }] });
  });

  it("turns tools into functions and tool_choice into function_call", () => {
    const tools = [tool("get_weather"), tool("get_time")];
    expect(build({ tools, messages: [{ role: "user", content: "hi" }] })).toMatchObject({
      functions: [
        { name: "get_weather", description: "about get_weather", parameters },
        { name: "get_time", description: "about get_time", parameters },
      ],
    });
    expect(build({ tools, messages: [{ role: "user", content: "hi" }] })).not.toHaveProperty("tools");
    expect(build({ tools, tool_choice: "none", messages: [{ role: "user", content: "hi" }] }).function_call).toBe("none");
    expect(build({ tools, tool_choice: "auto", messages: [{ role: "user", content: "hi" }] }).function_call).toBe("auto");
    expect(build({ tools, tool_choice: { type: "function", function: { name: "get_time" } }, messages: [{ role: "user", content: "hi" }] }).function_call).toEqual({ name: "get_time" });
    expect(build({ tools: [tool("only")], tool_choice: "required", messages: [{ role: "user", content: "hi" }] }).function_call).toEqual({ name: "only" });
  });

  it("sends tool calls with object arguments, one per assistant turn, each followed by its result as a function message", () => {
    const body = build({
      messages: [
        { role: "user", content: "Weather and time?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "c2", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        // Results in another order than the calls still pair with their own call.
        { role: "tool", tool_call_id: "c2", content: "noon" },
        { role: "tool", tool_call_id: "c1", content: '{"temp_c":18}' },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: "Weather and time?" },
      { role: "assistant", content: "", function_call: { name: "get_weather", arguments: { city: "Paris" } } },
      { role: "function", name: "get_weather", content: '{"temp_c":18}' },
      { role: "assistant", content: "", function_call: { name: "get_time", arguments: {} } },
      // GigaChat takes JSON results only: text is wrapped.
      { role: "function", name: "get_time", content: '{"result":"noon"}' },
    ]);
  });

  it("refuses what GigaChat cannot take, as a 400 naming the message", () => {
    const image = { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] };
    expect(() => build({ messages: [image] })).toThrow(InvalidRequestError);
    expect(() => build({ n: 2, messages: [{ role: "user", content: "hi" }] })).toThrow(/n must be 1/);
    expect(() => build({ response_format: { type: "json_object" }, messages: [{ role: "user", content: "hi" }] })).toThrow(/no JSON mode/);
    expect(() => build({ messages: [{ role: "tool", tool_call_id: "nope", content: "{}" }] })).toThrow(/answers no call/);
    const call = { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] };
    expect(() => build({ messages: [{ role: "user", content: "hi" }, call, { role: "tool", tool_call_id: "c9", content: "{}" }] })).toThrow(/c9 answers no call/);
    const badArgs = { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{not json" } }] };
    expect(() => build({ messages: [{ role: "user", content: "hi" }, badArgs] })).toThrow(/arguments must be JSON/);
  });
});
