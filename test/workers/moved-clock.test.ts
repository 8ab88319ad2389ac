/**
 * TEST_CLOCK moves one clock for everything in the isolate: the tests, the Worker and its
 * Durable Objects. If the Worker or a limiter kept the real clock, a moved-clock run would
 * test nothing; this checks they read the same time as the test does.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { ProviderLimiter } from "../../src/limits/provider-limiter";
import { call, upstream } from "./helpers";

describe("the test clock", () => {
  it("is the one the Worker and the limiter read", async () => {
    const before = Date.now();
    const status = (await (await call("/v1/status")).json()) as { generated_at: string };
    const limiterNow = await runInDurableObject(env.LIMITER.getByName("clock-check"), (o: ProviderLimiter) => o.now());
    const after = Date.now();
    const workerNow = Date.parse(status.generated_at);
    // Whole seconds at worst: workerd advances its clock on I/O only.
    expect(workerNow).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(workerNow).toBeLessThanOrEqual(after + 1000);
    expect(limiterNow).toBeGreaterThanOrEqual(before - 1000);
    expect(limiterNow).toBeLessThanOrEqual(after + 1000);
    expect(new Date().getTime()).toBeGreaterThanOrEqual(after);
  });

  it("runs exactly TEST_CLOCK ahead of the real one (the simulator's, in Node)", async () => {
    const res = await fetch(`${upstream()}/__stats?model=none`);
    const real = Date.parse(res.headers.get("date")!);
    // The Date header has whole seconds.
    expect(Math.abs(Date.now() - inject("clockOffsetMs") - real)).toBeLessThan(2_000);
  });
});
