/** Splicing top-level changes into a client's JSON text, and when it must not. */
import { describe, expect, it } from "vitest";
import { clientJson, keepClientText, shareClientText, spliceTopLevel } from "./json-splice";

describe("spliceTopLevel", () => {
  it("replaces a member in place and keeps every other byte as the client wrote it", () => {
    const text = '{ "messages" : [ {"role":"user","content":"a \\"quoted\\" {brace} [bracket], \\\\"} ],\n  "model": "BIG", "temperature": 1.0, "n":1e0 }';
    const out = spliceTopLevel(text, { model: "gpt-up" })!;
    expect(out).toBe('{"messages" : [ {"role":"user","content":"a \\"quoted\\" {brace} [bracket], \\\\"} ],"model":"gpt-up","temperature": 1.0,"n":1e0}');
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(text), model: "gpt-up" });
  });

  it("removes members, first, middle and last, and adds missing ones last", () => {
    const text = '{"a":1,"b":{"c":[1,2]},"d":"x"}';
    expect(spliceTopLevel(text, { a: undefined })).toBe('{"b":{"c":[1,2]},"d":"x"}');
    expect(spliceTopLevel(text, { b: undefined })).toBe('{"a":1,"d":"x"}');
    expect(spliceTopLevel(text, { d: undefined, e: [true] })).toBe('{"a":1,"b":{"c":[1,2]},"e":[true]}');
    expect(spliceTopLevel("{}", { model: "m" })).toBe('{"model":"m"}');
    expect(spliceTopLevel(' {"only":1} ', { only: undefined })).toBe("{}");
  });

  it("leaves nested keys of the same name alone", () => {
    const text = '{"metadata":{"model":"client-side"},"model":"BIG"}';
    expect(JSON.parse(spliceTopLevel(text, { model: "up" })!)).toEqual({ metadata: { model: "client-side" }, model: "up" });
  });

  it("refuses a top-level key given twice or written with escapes: parsers disagree on which one counts", () => {
    expect(spliceTopLevel('{"model":"up","messages":[],"model":"other"}', { model: "x" })).toBeUndefined();
    expect(spliceTopLevel('{"max_tokens":10,"max_tokens":100000}', { model: "x" })).toBeUndefined();
    expect(spliceTopLevel('{"mod\\u0065l":"other","model":"BIG"}', { model: "x" })).toBeUndefined();
    expect(spliceTopLevel("[1,2]", { model: "x" })).toBeUndefined();
  });

  it("refuses a text with a __proto__ member, at any depth: zod leaves it out of what it validates", () => {
    expect(spliceTopLevel('{"model":"m","__proto__":{"max_tokens":100000}}', { model: "x" })).toBeUndefined();
    expect(spliceTopLevel('{"model":"m","messages":[{"__proto__":{"role":"system"}}]}', { model: "x" })).toBeUndefined();
  });
});

describe("clientJson", () => {
  it("splices what differs from the kept body into the client's text", () => {
    const text = '{"model":"BIG", "messages":[{"role":"user","content":"hi"}], "provider":{"order":["x"]}, "max_tokens":9000}';
    const body = JSON.parse(text) as Record<string, unknown>;
    keepClientText(body, text);
    const edited: Record<string, unknown> = { ...body, max_tokens: 100 };
    delete edited.provider;
    shareClientText(edited, body);
    expect(clientJson(edited, { model: "up" })).toBe('{"model":"up","messages":[{"role":"user","content":"hi"}],"max_tokens":100}');
  });

  it("adds a field an edit introduced, last", () => {
    const text = '{"model":"BIG","messages":[],"MAX_TOKENS":100000}';
    const body = JSON.parse(text) as Record<string, unknown>;
    keepClientText(body, text);
    const edited = { ...body, max_tokens: 64 };
    shareClientText(edited, body);
    expect(clientJson(edited, { model: "up" })).toBe('{"model":"up","messages":[],"MAX_TOKENS":100000,"max_tokens":64}');
  });

  it("sees a change made to the kept body itself", () => {
    const text = '{"model":"BIG","n":2}';
    const body = JSON.parse(text) as Record<string, unknown>;
    keepClientText(body, text);
    body.n = 1;
    expect(clientJson(body, { model: "up" })).toBe('{"model":"up","n":1}');
  });

  it("serialises the validated body, changes applied, when a top-level key is in the text twice", () => {
    const text = '{"model":"a","x":1,"model":"BIG"}';
    const body = { model: "BIG", x: 1 };
    keepClientText(body, text);
    expect(clientJson(body, { anthropic_version: "v", model: undefined })).toBe('{"x":1,"anthropic_version":"v"}');
  });

  it("serialises a body whose text was not kept (a translated request)", () => {
    expect(clientJson({ messages: [], model: "BIG" }, { model: "up" })).toBe('{"messages":[],"model":"up"}');
  });
});
