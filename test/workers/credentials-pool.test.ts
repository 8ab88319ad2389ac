/**
 * Key pools through the whole Worker, with the openai SDK: each key its own quota bucket
 * (quota_scope: key), conversations kept on one key, shared counters with quota_scope:
 * account, a revoked key benched, and /v1/status showing keys by fingerprint only.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { awayFromMinuteEdge, call, simStats } from "./helpers";

const vars = env as unknown as Record<string, string>;
const [KEY1, KEY2, REVOKED] = [vars.POOL_KEY_1!, vars.POOL_KEY_2!, vars.POOL_REVOKED!];
const ask = (model: string, session: string) =>
  openaiClient({ maxRetries: 0 })
    .chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }, { headers: { "x-proxy-session": session } })
    .withResponse();

describe("key pools", () => {
  it("serves rpm 3 per key twice over with no upstream 429, one conversation on one key while it has room", async () => {
    await awayFromMinuteEdge(20_000);
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await ask("pool-rpm3", "conversation-a"));
    const counts = async () => [await simStats(`perkey-rpm3@${KEY1}`), await simStats(`perkey-rpm3@${KEY2}`)];
    const afterThree = await counts();
    // All three on one key: the conversation's.
    expect(afterThree.map((s) => s.requests).sort()).toEqual([0, 3]);
    for (let i = 0; i < 3; i++) first.push(await ask("pool-rpm3", "conversation-a"));
    expect(first.every((r) => r.response.status === 200)).toBe(true);
    expect(await counts()).toEqual([
      { requests: 3, rate_limited: 0 },
      { requests: 3, rate_limited: 0 },
    ]);
    // Both keys are full: the proxy answers 429 itself, without asking the upstream.
    const err = await ask("pool-rpm3", "conversation-b").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429 });
    expect((await counts()).map((s) => s.rate_limited)).toEqual([0, 0]);
  });

  it("quota_scope: account shares one set of counters: the second key adds no capacity", async () => {
    await awayFromMinuteEdge(20_000);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await ask("pool-acct-rpm3", `c${i}`).then((r) => r.response.status, (e: { status?: number }) => e.status));
    expect(results).toEqual([200, 200, 200, 429, 429, 429]);
    const upstream = (await simStats(`perkey-acct-rpm3@${KEY1}`)).requests + (await simStats(`perkey-acct-rpm3@${KEY2}`)).requests;
    expect(upstream).toBe(3);
  });

  it("benches a key the provider rejects while the other serves", async () => {
    const attempts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await ask("pool-revoked", `revoked-${i}`);
      expect(r.response.status).toBe(200);
      attempts.push(Number(r.response.headers.get("x-proxy-attempts")));
    }
    // At most one request paid for the revoked key (a second attempt), and only once.
    expect(attempts.filter((a) => a > 1).length).toBeLessThanOrEqual(1);
    expect(attempts.reduce((a, b) => a + b)).toBeLessThanOrEqual(7);
  });

  it("shows each key of a per-key pool in /v1/status by fingerprint, never the key", async () => {
    await ask("pool-rpm3", "status-check").catch(() => undefined);
    const res = await call("/v1/status");
    const text = await res.text();
    for (const secret of [KEY1, KEY2, REVOKED]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(-12));
    }
    const body = JSON.parse(text) as { models: Array<{ name: string; keys?: Array<{ key: string; usage: { rpm?: { limit: number } } }> }> };
    const pool = body.models.find((m) => m.name === "pool-rpm3")!;
    expect(pool.keys).toHaveLength(2);
    for (const k of pool.keys!) {
      expect(k.key).toMatch(/^…[0-9a-f]{4}$/);
      expect(k.usage.rpm?.limit).toBe(3);
    }
    expect(new Set(pool.keys!.map((k) => k.key)).size).toBe(2);
    // An account-scoped pool has one set of counters, so no per-key entries.
    expect(body.models.find((m) => m.name === "pool-acct-rpm3")?.keys).toBeUndefined();
  });
});
