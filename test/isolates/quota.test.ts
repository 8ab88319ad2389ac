/**
 * Global quota as a deployment runs it: eight isolates (one workerd, eight Worker services
 * from the real bundle) sharing one ProviderLimiter per provider, in front of the upstream
 * simulator, which enforces every `rpmN` in an upstream model id itself. Every scenario
 * asserts at the simulator that exactly min(load, capacity) requests reached the upstream
 * and that it never had to refuse one. Named clients' own limits are held the same way, by
 * one ClientLimiter per client that every isolate asks.
 *
 * Windows: each minute-bound scenario starts with enough of a minute left; the daily
 * limits reset at a time of day twelve hours away from the run, so no run can straddle one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { type Answer, ask, CLIENT_KEYS, awayFromMinuteEdge, type Isolates, minuteOf, simStats, startIsolates } from "./harness";

const ISOLATES = 8;
const SCENARIO_MS = 25_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The config under test; its providers' day resets half a day from now. */
let dayResetHour = 0;
function modelsYaml(now: number): string {
  dayResetHour = (new Date(now).getUTCHours() + 12) % 24;
  const reset = `${String(dayResetHour).padStart(2, "0")}:00 UTC`;
  const base = 'base_url: "${UPSTREAM}/openai/v1"';
  const burst = (size: string, p: string) => `
  - { name: ${p}-a, provider: iso, model: iso/${p}-a-rpm6, size: ${size}, priority: 1, limits: { rpm: 6 } }
  - { name: ${p}-b, provider: iso, model: iso/${p}-b-rpm10, size: ${size}, priority: 2, limits: { rpm: 10 } }
  - { name: ${p}-c, provider: iso, model: iso/${p}-c-rpm20, size: ${size}, priority: 3, limits: { rpm: 20 } }`;
  return `
providers:
  iso: { type: openai, ${base}, day_reset: "${reset}" }
  isoshared: { type: openai, ${base}, limits: { rpm: 8 } }
models:${burst("BURST4", "b4")}${burst("BURST8", "b8")}
  - { name: u8-a, provider: iso, model: iso/u8-a-rpm20, size: UNDER8, priority: 1, limits: { rpm: 20 } }
  - { name: u8-b, provider: iso, model: iso/u8-b-rpm20, size: UNDER8, priority: 2, limits: { rpm: 20 } }
  - { name: shared-a, provider: isoshared, model: iso/shared-a, size: SHARED, priority: 1 }
  - { name: shared-b, provider: isoshared, model: iso/shared-b, size: SHARED, priority: 2 }
  - { name: idle-40, provider: iso, model: iso/idle-rpm40, limits: { rpm: 40 } }
  - { name: day-5, provider: iso, model: iso/day-5, size: DAY, limits: { rpd: 5 } }
  - { name: tpd-1, provider: iso, model: iso/tpd-1, limits: { tpd: 120 } }
  - { name: tpd-4, provider: iso, model: iso/tpd-4, limits: { tpd: 120 } }
  - { name: tpm-1, provider: iso, model: iso/tpm-1, limits: { tpm: 120 } }
  - { name: tpm-4, provider: iso, model: iso/tpm-4, limits: { tpm: 120 } }
  - { name: cl-100, provider: iso, model: iso/cl-rpm100, limits: { rpm: 100 } }
clients:
  iso-cl-a: { limits: { rpm: 10 } }
  iso-cl-b: { limits: { rpm: 10 } }
categories:
  BURST4: { max_wait_ms: 10000 }
  BURST8: { max_wait_ms: 10000 }
  UNDER8: { max_wait_ms: 10000 }
  SHARED: { max_wait_ms: 10000 }
  DAY: { max_wait_ms: 10000 }
`;
}

let iso: Isolates;
const stats = (model: string) => simStats(iso.sim, model);
const served = (answers: Answer[]) => answers.filter((a) => a.status === 200).length;
/** `load` requests at once, spread round-robin over the first `isolates` isolates. */
const burst = (model: string, load: number, isolates: number) => Promise.all(Array.from({ length: load }, (_, i) => ask(iso.clients[i % isolates]!, model)));
/** The figures a run measured, printed once at the end. */
const figures: string[] = [];

beforeAll(async () => {
  iso = await startIsolates(modelsYaml(Date.now()), ISOLATES);
}, 120_000);

afterAll(async () => {
  process.stdout.write(`\nquota across isolates:\n${figures.map((f) => `  ${f}`).join("\n")}\n`);
  await iso?.stop();
});

describe("quota across isolates sharing one limiter", () => {
  let burst4Minute = 0;

  it("serves exactly rpm 6 + 10 + 20 = 36 of 48 requests arriving at once across 4 isolates", async () => {
    await awayFromMinuteEdge(SCENARIO_MS);
    burst4Minute = minuteOf(Date.now());
    const answers = await burst("BURST4", 48, 4);
    expect(minuteOf(Date.now())).toBe(burst4Minute);
    expect(served(answers)).toBe(36);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(12);
    expect(await stats("iso/b4-a-rpm6")).toEqual({ requests: 6, rate_limited: 0 });
    expect(await stats("iso/b4-b-rpm10")).toEqual({ requests: 10, rate_limited: 0 });
    expect(await stats("iso/b4-c-rpm20")).toEqual({ requests: 20, rate_limited: 0 });
    figures.push(`burst, 4 isolates: ${served(answers)}/36 served of 48, 0 upstream 429s`);
  }, 60_000);

  it("serves exactly 36 of 60 across 8 isolates, and all 32 of 32 when the load is under capacity", async () => {
    await awayFromMinuteEdge(SCENARIO_MS);
    const minute = minuteOf(Date.now());
    const over = await burst("BURST8", 60, 8);
    const under = await burst("UNDER8", 32, 8);
    expect(minuteOf(Date.now())).toBe(minute);
    expect(served(over)).toBe(36);
    expect(await stats("iso/b8-a-rpm6")).toEqual({ requests: 6, rate_limited: 0 });
    expect(await stats("iso/b8-b-rpm10")).toEqual({ requests: 10, rate_limited: 0 });
    expect(await stats("iso/b8-c-rpm20")).toEqual({ requests: 20, rate_limited: 0 });
    expect(served(under)).toBe(32);
    const [a, b] = [await stats("iso/u8-a-rpm20"), await stats("iso/u8-b-rpm20")];
    expect(a.requests + b.requests).toBe(32);
    expect(a.rate_limited + b.rate_limited).toBe(0);
    figures.push(`burst, 8 isolates: ${served(over)}/36 served of 60; under capacity: ${served(under)}/32 of 32; 0 upstream 429s`);
  }, 60_000);

  it("holds a provider-wide rpm 8 across its models and 4 isolates", async () => {
    await awayFromMinuteEdge(SCENARIO_MS);
    const answers = await burst("SHARED", 20, 4);
    expect(served(answers)).toBe(8);
    const [a, b] = [await stats("iso/shared-a"), await stats("iso/shared-b")];
    expect(a.requests + b.requests).toBe(8);
    figures.push(`provider-wide rpm 8, 4 isolates: ${served(answers)}/8 served of 20 (shared-a ${a.requests}, shared-b ${b.requests})`);
  }, 60_000);

  it("hands the slots an idle isolate held back to the isolates it refused, within the lease's life", async () => {
    await awayFromMinuteEdge(SCENARIO_MS);
    const minute = minuteOf(Date.now());
    // One isolate serves 3 requests and holds the rest of its lease unused.
    const idle = [];
    for (let i = 0; i < 3; i++) idle.push(await ask(iso.clients[0]!, "idle-40"));
    expect(served(idle)).toBe(3);
    // The other three use up what is left, at once, and some are refused.
    const rush = await Promise.all(Array.from({ length: 48 }, (_, i) => ask(iso.clients[1 + (i % 3)]!, "idle-40")));
    const refused = rush.filter((a) => a.status === 429);
    // While slots are only held, a refusal says when they come back: a lease's life, not the minute's end.
    if (served(idle) + served(rush) < 40) expect(refused.every((a) => (a.retryAfter ?? 99) <= 3)).toBe(true);
    // The refused isolates keep asking (every 200 ms; a refusal is cached as long as it says,
    // so most of these never reach the limiter) and get what the idle one gives back. Until
    // then, no refusal points at the minute's end.
    const after: Answer[] = [];
    for (let i = 0; i < 100 && served(idle) + served(rush) + served(after) < 40; i++) {
      const a = await ask(iso.clients[1 + (i % 3)]!, "idle-40");
      after.push(a);
      if (a.status !== 429) continue;
      expect(a.retryAfter).toBeLessThanOrEqual(3);
      await sleep(200);
    }
    const last = await ask(iso.clients[1]!, "idle-40");
    expect(minuteOf(Date.now())).toBe(minute);
    expect(served(idle) + served(rush) + served(after)).toBe(40);
    expect(last.status).toBe(429);
    expect(await stats("iso/idle-rpm40")).toEqual({ requests: 40, rate_limited: 0 });
    const firstRefusal = Math.min(...refused.map((a) => a.at));
    const regained = after.find((a) => a.status === 200);
    figures.push(
      `idle isolate: 40/40 served (3 idle, ${served(rush)} in the rush, ${served(after)} regained; ${refused.length} refused in the rush); ` +
        `refusals' Retry-After ≤ ${Math.max(0, ...[...refused, ...after].map((a) => a.retryAfter ?? 0))} s; ` +
        `first regained slot ${regained && refused.length ? `${regained.at - firstRefusal} ms after the first refusal` : "not needed"}`,
    );
  }, 60_000);

  it("holds two clients to rpm 10 each across 8 isolates: 10 of 30 each, 20 upstream", async () => {
    await awayFromMinuteEdge(SCENARIO_MS);
    const as = (key: string, i: number) => new OpenAI({ baseURL: iso.clients[i % ISOLATES]!.baseURL, apiKey: key, maxRetries: 0, timeout: 60_000 });
    const answers = await Promise.all(
      Object.values(CLIENT_KEYS).map((key) => Promise.all(Array.from({ length: 30 }, (_, i) => ask(as(key, i), "cl-100")))),
    );
    expect(answers.map(served)).toEqual([10, 10]);
    expect(answers.flat().filter((a) => a.status === 429)).toHaveLength(40);
    expect(await stats("iso/cl-rpm100")).toEqual({ requests: 20, rate_limited: 0 });
    figures.push(`two clients with rpm 10, 30 requests each at once over 8 isolates: ${answers.map(served).join(" + ")} served, 20 upstream`);
  }, 60_000);

  it("holds a daily limit across 4 isolates", async () => {
    const answers = await burst("DAY", 12, 4);
    expect(served(answers)).toBe(5);
    expect(await stats("iso/day-5")).toEqual({ requests: 5, rate_limited: 0 });
    figures.push(`daily rpd 5, 4 isolates: ${served(answers)}/5 served of 12`);
  }, 60_000);

  for (const [kind, isolates] of [["tpd", 1], ["tpd", 4], ["tpm", 1], ["tpm", 4]] as const) {
    it(`serves 2 of 5 sequential 59-token answers against ${kind}: 120 on ${isolates} isolate${isolates > 1 ? "s" : ""}`, async () => {
      if (kind === "tpm") await awayFromMinuteEdge(SCENARIO_MS);
      const model = `${kind}-${isolates}`;
      const answers: Answer[] = [];
      // Each answer: 2 input tokens (the directive's words) and 57 output tokens, as the simulator counts them.
      for (let i = 0; i < 5; i++) answers.push(await ask(iso.clients[i % isolates]!, model, '<<sim {"reply_words":57}>>'));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 429, 429]);
      expect(await stats(`iso/${model}`)).toEqual({ requests: 2, rate_limited: 0 });
      figures.push(`${kind} 120, 59-token answers, ${isolates} isolate(s): ${served(answers)} of 5 served (118 tokens)`);
    }, 60_000);
  }

  it("serves the burst's models again in the next minute, and the daily one not before its reset", async () => {
    if (minuteOf(Date.now()) === burst4Minute) await sleep((burst4Minute + 1) * 60_000 - Date.now() + 50);
    await awayFromMinuteEdge(SCENARIO_MS);
    const answers = await burst("BURST4", 48, 4);
    expect(served(answers)).toBe(36);
    expect(await stats("iso/b4-a-rpm6")).toEqual({ requests: 12, rate_limited: 0 });
    expect(await stats("iso/b4-b-rpm10")).toEqual({ requests: 20, rate_limited: 0 });
    expect(await stats("iso/b4-c-rpm20")).toEqual({ requests: 40, rate_limited: 0 });
    const day = await burst("DAY", 4, 4);
    expect(served(day)).toBe(0);
    // Each refusal points at the providers' next day reset (the configured hour, 10 to 12
    // hours away), whatever the time of day the run falls on.
    const reset = new Date();
    reset.setUTCHours(dayResetHour, 0, 0, 0);
    if (reset.getTime() <= Date.now()) reset.setUTCDate(reset.getUTCDate() + 1);
    const untilReset = (reset.getTime() - Date.now()) / 1000;
    for (const a of day) expect(Math.abs((a.retryAfter ?? 0) - untilReset)).toBeLessThan(60);
    expect(await stats("iso/day-5")).toEqual({ requests: 5, rate_limited: 0 });
    figures.push(`recovery, next minute, 4 isolates: ${served(answers)}/36 served again; daily model still 0 of 4 until its reset`);
  }, 120_000);
});
