/** Health probes on a Cron Trigger: off by default; on, they let an open breaker recover through one probe. */
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, chat, sim, simStats } from "./helpers";

const breakerOf = async (name: string) => {
  const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; breaker: string }> };
  return status.models.find((m) => m.name === name)!.breaker;
};

async function cron(vars: Record<string, string>) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
}

describe("health probes", () => {
  it("do nothing unless turned on, then close an open breaker with one probe once it is half-open", async () => {
    // simprobe opens after 2 failures for 8 s.
    expect((await chat("probe-a", sim({ status: 500 }))).status).toBe(502);
    await expect.poll(() => breakerOf("probe-a")).toBe("open");
    const before = (await simStats("route/probe-a")).requests;

    await cron({});
    expect((await simStats("route/probe-a")).requests).toBe(before);

    // While open, the limiter refuses the probe: no upstream call.
    await cron({ HEALTH_PROBES: "on" });
    expect((await simStats("route/probe-a")).requests).toBe(before);

    await expect.poll(() => breakerOf("probe-a"), { timeout: 15_000 }).toBe("half_open");
    await cron({ HEALTH_PROBES: "on" });
    expect((await simStats("route/probe-a")).requests).toBe(before + 1);
    await expect.poll(() => breakerOf("probe-a")).toBe("closed");
  }, 30_000);
});
