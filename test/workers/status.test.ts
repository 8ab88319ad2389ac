/**
 * /v1/status's recent outcomes and median latency, through the whole Worker. sim-small-2 is
 * called by no other test (SMALL goes to sim-small first, and its provider's breaker never
 * opens), so the counts here are exactly what this file caused.
 */
import { describe, expect, it } from "vitest";
import { call, chat, sim } from "./helpers";

interface ModelOut {
  name: string;
  breaker: string;
  latency_ms: number | null;
  latency_p50_ms: number | null;
  recent: { success: number; error: number; window_s: number };
}

async function model(name: string): Promise<ModelOut> {
  const res = await call("/v1/status");
  expect(res.status).toBe(200);
  const body = (await res.json()) as { models: ModelOut[] };
  return body.models.find((m) => m.name === name)!;
}

/** Outcomes reach the limiter a moment after the response (successes are batched). */
async function until(name: string, done: (m: ModelOut) => boolean): Promise<ModelOut> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await model(name);
    if (done(m) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("/v1/status recent activity", () => {
  it("counts successes and errors and reports the median latency", async () => {
    const t = `status-${crypto.randomUUID()}`;
    for (const delay_ms of [0, 300, 600, 900]) {
      expect((await chat("sim-small-2", sim({ tag: `${t}-${delay_ms}`, delay_ms }))).status).toBe(200);
    }
    // The first attempt fails with a 500, the retry succeeds: one error, one more success.
    expect((await chat("sim-small-2", sim({ tag: t, status: 500, times: 1 }))).status).toBe(200);

    const m = await until("sim-small-2", (s) => s.recent.success + s.recent.error >= 6);
    expect(m.recent).toEqual({ success: 5, error: 1, window_s: 300 });
    expect(m.breaker).toBe("closed");
    // Five latencies: ~0, ~300, ~600, ~900 and the quick retry; the median is the ~300 ms one.
    expect(m.latency_p50_ms).toBeGreaterThanOrEqual(300);
    expect(m.latency_p50_ms).toBeLessThan(600);
  });
});
