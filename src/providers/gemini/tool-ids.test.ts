import { describe, expect, it } from "vitest";
import { responseToken, signatureFromId, toolCallId } from "./tool-ids";

describe("tool-call ids", () => {
  it("carry a thought signature through a round trip, in characters any client accepts", () => {
    for (const signature of ["CiQB0e2Kb7xV3m1q9pZkX0aJ3mY0uQ4f8Hc2rN6tLwS1dE5gA7o=", "+/+/c2ltOmY=", "q+/9Zw==", "AAAA"]) {
      const id = toolCallId(2, "Tok3n", signature);
      expect(id).toMatch(/^call_2_Tok3n_ts_[A-Za-z0-9_-]+$/);
      expect(signatureFromId(id)).toBe(signature);
    }
  });

  it("carry nothing when there is no signature, and foreign ids carry nothing", () => {
    expect(toolCallId(0, "abc", undefined)).toBe("call_0_abc");
    for (const id of ["call_0_abc", "call_abc", "toolu_01_ts_x", "call_1_a-b_ts_xyz"]) expect(signatureFromId(id)).toBeUndefined();
  });

  it("differ between responses", () => {
    const tokens = new Set(Array.from({ length: 50 }, responseToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9]+$/);
  });
});
