import { describe, expect, it } from "vitest";
import { inspectEvent } from "./sse-events";
import { StreamTally } from "./stream-tally";

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const FIRST = ev({ choices: [{ index: 0, delta: { content: "x" } }] });

/** A tally that has seen its first content, so later events take the fast path. */
function afterContent(): StreamTally {
  const t = new StreamTally(3);
  expect(t.see(FIRST)).toEqual({ kind: "forward" });
  expect(t.sawContent).toBe(true);
  return t;
}

describe("StreamTally after the first content", () => {
  it("agrees with the full inspection on every kind that matters, without parsing plain content", () => {
    const cases = [
      ev({ choices: [{ index: 0, delta: { content: 'He said "hi"\n' }, finish_reason: null }], usage: null }),
      ev({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] } }] }),
      ev({ choices: [{ index: 0, delta: { content: "an \"error\" in the text" } }] }),
      ev({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      'data: {"choices":[],"usage": {"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n',
    ];
    for (const raw of cases) {
      const t = afterContent();
      const before = t.chars;
      expect(t.see(raw), raw).toEqual({ kind: "forward" });
      const full = inspectEvent(raw);
      expect(t.chars - before, raw).toBe(full.chars);
      expect(t.usage, raw).toEqual(full.usage);
    }
  });

  it("recognises a finish with or without spaces, and not a null one", () => {
    for (const [raw, finished] of [
      [ev({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }), true],
      ['data: {"choices":[{"index":0,"delta":{},"finish_reason": "length"}]}\n\n', true],
      [ev({ choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] }), false],
    ] as const) {
      const t = afterContent();
      t.see(raw);
      expect(t.sawFinish, raw).toBe(finished);
    }
  });

  it("still finds errors, [DONE], keep-alives and events that are not JSON", () => {
    expect(afterContent().see(ev({ error: { message: "boom" } }))).toEqual({ kind: "error", error: { message: "boom" } });
    const done = afterContent();
    expect(done.see("data: [DONE]\n\n")).toEqual({ kind: "done" });
    expect(done.sawDone).toBe(true);
    expect(afterContent().see(": keep-alive\n\n")).toEqual({ kind: "drop" });
    expect(afterContent().see("data: \n\n")).toEqual({ kind: "drop" });
    expect(afterContent().see("data: <html>oops</html>\n\n")).toEqual({ kind: "invalid" });
  });

  it("estimates usage from the text when the stream reports none, and uses reported usage when it does", () => {
    const t = afterContent();
    t.see(ev({ choices: [{ index: 0, delta: { content: "abcdefg" } }] }));
    expect(t.outcome({})).toEqual({ kind: "stream", completed: false, cancelled: false, estimated: true, usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    t.see(ev({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 } }));
    t.see("data: [DONE]\n\n");
    expect(t.outcome({})).toMatchObject({ completed: true, estimated: false, usage: { total_tokens: 17 } });
  });
});
