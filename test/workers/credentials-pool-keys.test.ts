/**
 * A key pool's per-key state through the whole Worker: a 429 from the upstream cools only
 * the key it came on, while the pool's other key serves, and /v1/status shows the cooldown
 * on that key alone, and the move is logged by fingerprint; a conversation named by the request's `user` field stays on one key,
 * whatever its messages say.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { awayFromMinuteEdge, call, chat, simStats } from "./helpers";

const vars = env as unknown as Record<string, string>;
const [KEY1, KEY2] = [vars.POOL_KEY_1!, vars.POOL_KEY_2!];
const perKey = async (model: string) => [await simStats(`${model}@${KEY1}`), await simStats(`${model}@${KEY2}`)];

interface StatusKey {
  key: string;
  cooldown_until: string | null;
}

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
    const body = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; keys?: StatusKey[] }> };
    const keys = body.models.find((m) => m.name === "pool-cool")?.keys ?? [];
    expect(keys).toHaveLength(2);
    expect(keys.filter((k) => k.cooldown_until !== null)).toHaveLength(1);
  });

  it("keeps a conversation named by `user` on one key, whatever its messages", async () => {
    for (let i = 0; i < 8; i++) expect((await chat("pool-user", `question number ${i}`, { user: "alice" })).status).toBe(200);
    const counts = (await perKey("perkey-user")).map((s) => s.requests).sort();
    expect(counts).toEqual([0, 8]);
  });
});
