/**
 * A key pool's per-key state through the whole Worker: a 429 from the upstream cools only
 * the key it came on, while the pool's other key serves, and /v1/status shows the cooldown
 * on that key alone, and the move is logged by fingerprint; rate headers saying a key has
 * no requests left move the conversation off that key only; a conversation named by the
 * request's `user` field, or else by its first two messages, stays on one key; a key
 * whose calls fail opens its own breaker, and the other key serves.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { awayFromMinuteEdge, call, chat, postJson, sim, simStats } from "./helpers";

const vars = env as unknown as Record<string, string>;
const [KEY1, KEY2, FAILING] = [vars.POOL_KEY_1!, vars.POOL_KEY_2!, vars.POOL_FAILING!];
const perKey = async (model: string) => [await simStats(`${model}@${KEY1}`), await simStats(`${model}@${KEY2}`)];

interface StatusKey {
  key: string;
  breaker: string;
  cooldown_until: string | null;
}
const keysOf = async (model: string): Promise<StatusKey[]> =>
  ((await (await call("/v1/status")).json()) as { models: Array<{ name: string; keys?: StatusKey[] }> }).models.find((m) => m.name === model)?.keys ?? [];

describe("key pool: per-key state", () => {
  it("a 429 on one key cools that key only, and the other key serves the conversation", async () => {
    await awayFromMinuteEdge(20_000);
    const lines: string[] = [];
    const spies = (["log", "error", "warn", "info", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))),
    );
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 4; i++) statuses.push((await chat("pool-cool", `turn ${i}`, {}, { "x-proxy-session": "cool-a" })).status);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    // The move is logged, naming the keys by fingerprint only.
    expect(lines.some((l) => l.includes("conversation moved to another key"))).toBe(true);
    for (const l of lines) for (const k of [KEY1, KEY2]) expect(l).not.toContain(k.slice(-12));
    const [a, b] = await perKey("perkey-rpm2-cool");
    // Two on the conversation's key, its third refused by the upstream once; then the other key.
    const stats = [a!, b!].sort((x, y) => y.rate_limited - x.rate_limited);
    expect(stats).toEqual([
      { requests: 3, rate_limited: 1 },
      { requests: 2, rate_limited: 0 },
    ]);
    expect(await keysOf("pool-cool")).toHaveLength(2);
    await expect.poll(async () => (await keysOf("pool-cool")).filter((k) => k.cooldown_until !== null).length).toBe(1);
  });

  it("keeps a conversation named by `user` on one key, whatever its messages", async () => {
    for (let i = 0; i < 8; i++) expect((await chat("pool-user", `question number ${i}`, { user: "alice" })).status).toBe(200);
    const counts = (await perKey("perkey-user")).map((s) => s.requests).sort();
    expect(counts).toEqual([0, 8]);
  });

  it("moves a conversation off a key whose rate headers say it has no requests left, to the other key", async () => {
    const session = { "x-proxy-session": "hdr-a" };
    const exhausted = sim({ headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "45s" } });
    expect((await chat("pool-hdr", `${exhausted} first`, {}, session)).status).toBe(200);
    const first = await perKey("perkey-hdr");
    for (let i = 0; i < 2; i++) expect((await chat("pool-hdr", `then ${i}`, {}, session)).status).toBe(200);
    const after = await perKey("perkey-hdr");
    // The key that said it was out served only the first; the other key served the rest.
    expect(after.map((s, i) => s.requests - first[i]!.requests)).toEqual(first.map((s) => (s.requests === 1 ? 0 : 2)));
  });

  it("keeps a conversation with no user or session on one key by its first two messages", async () => {
    for (let i = 0; i < 8; i++) {
      const messages = [
        { role: "user", content: "Plan a trip to Lisbon" },
        { role: "assistant", content: "For how long?" },
        { role: "user", content: `${i + 2} days` },
      ];
      expect((await postJson("/v1/chat/completions", { model: "pool-conv", messages })).status).toBe(200);
    }
    expect((await perKey("perkey-conv")).map((s) => s.requests).sort()).toEqual([0, 8]);
  });

  it("opens the breaker of a key whose calls fail, on that key only, while the other key serves", async () => {
    // Conversations land on keys by hash: ask until one has landed on the failing key.
    for (let i = 0; i < 20 && (await simStats(`perkey-failing@${FAILING}`)).requests === 0; i++) {
      expect((await chat("pool-failing", "Hello", {}, { "x-proxy-session": `failing-${i}` })).status).toBe(200);
    }
    expect((await simStats(`perkey-failing@${FAILING}`)).requests).toBe(1);
    await expect.poll(async () => (await keysOf("pool-failing")).map((k) => k.breaker).sort()).toEqual(["closed", "open"]);
    // The open breaker keeps every conversation on the healthy key, without calling the broken one.
    for (let i = 0; i < 4; i++) expect((await chat("pool-failing", "Hello", {}, { "x-proxy-session": `after-${i}` })).status).toBe(200);
    expect((await simStats(`perkey-failing@${FAILING}`)).requests).toBe(1);
  });
});
