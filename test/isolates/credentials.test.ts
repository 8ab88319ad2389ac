/**
 * Provider credentials as a deployment shares them, from five isolates (one workerd, five
 * Worker services from the real bundle):
 * - access tokens: every isolate asks one provider's Durable Object for its token, in front
 *   of the simulator's OAuth endpoint, which counts the tokens it issues. However the
 *   requests spread over the isolates, one token call serves them all; after the provider
 *   revokes the token, or it expires, exactly one more;
 * - a pool key the provider rejects: once one isolate has been refused it, the key's own
 *   limiter benches it, and no other isolate sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import { ask, ISOLATES_KEY, type Isolates, startIsolates } from "./harness";
import { SIM_OAUTH_CLIENT } from "../simulator/oauth";

const ISOLATES = 5;
const LOAD = 50;
const SHORT_TTL_MS = 6_000;
const REVOKED = "/oauth/token?for=isolates";
const SHORT = `/oauth/token?for=isolates&ttl_ms=${SHORT_TTL_MS}`;

function modelsYaml(): string {
  const auth = (url: string) =>
    `{ type: oauth_client_credentials, token_url: "\${UPSTREAM}${url}", scope: GIGACHAT_API_PERS, client_id_env: GIGA_CLIENT_ID, client_secret_env: GIGA_CLIENT_SECRET }`;
  return `
providers:
  giga: { type: gigachat, base_url: "\${UPSTREAM}/gigachat/api/v1", auth: ${auth(REVOKED)} }
  gigashort: { type: gigachat, base_url: "\${UPSTREAM}/gigachat/api/v1", auth: ${auth(SHORT)} }
  pool: { type: openai, base_url: "\${UPSTREAM}/openai/v1", api_key_env: [POOL_BAD, POOL_GOOD] }
models:
  - { name: giga, provider: giga, model: GigaChat }
  - { name: pool, provider: pool, model: iso/pool }
  - { name: giga-short, provider: gigashort, model: GigaChat }
`;
}

let iso: Isolates;
const figures: string[] = [];
const tokenCounts = async (endpoint: string) =>
  (await (await fetch(`${iso.sim.url}/__tokens?endpoint=${encodeURIComponent(endpoint)}`)).json()) as { issued: number; calls: number; refused: number };
/** `LOAD` requests at once, round-robin over every isolate: their statuses. */
const burst = async (model: string) => (await Promise.all(Array.from({ length: LOAD }, (_, i) => ask(iso.clients[i % ISOLATES]!, model)))).map((a) => a.status);
const allOk = Array.from({ length: LOAD }, () => 200);

beforeAll(async () => {
  // The simulator refuses a key starting with "revoked" (401).
  const pool = { POOL_BAD: "revoked-iso-pool-key-0123456789", POOL_GOOD: "iso-pool-key-good-0123456789" };
  iso = await startIsolates(modelsYaml(), ISOLATES, { GIGA_CLIENT_ID: SIM_OAUTH_CLIENT.id, GIGA_CLIENT_SECRET: SIM_OAUTH_CLIENT.secret, ...pool });
}, 120_000);

afterAll(async () => {
  process.stdout.write(`\ntokens across isolates:\n${figures.map((f) => `  ${f}`).join("\n")}\n`);
  await iso?.stop();
});

describe(`one token for ${ISOLATES} isolates`, () => {
  it(`makes one token call for ${LOAD} concurrent requests, and one more after the provider revokes it`, async () => {
    expect(await burst("giga")).toEqual(allOk);
    const first = await tokenCounts(REVOKED);
    expect(first).toMatchObject({ issued: 1, calls: 1 });

    await fetch(`${iso.sim.url}/__tokens/revoke?endpoint=${encodeURIComponent(REVOKED)}`, { method: "POST" });
    expect(await burst("giga")).toEqual(allOk);
    const after = await tokenCounts(REVOKED);
    // Every isolate had the revoked token cached, and many requests were refused it: one refresh.
    expect(after).toMatchObject({ issued: 2, calls: 2 });
    expect(after.refused).toBeGreaterThanOrEqual(1);
    figures.push(`${LOAD} requests over ${ISOLATES} isolates: ${first.calls} token call; after revoking it, ${LOAD} more (${after.refused} refused the old token): ${after.calls - first.calls} more`);
  }, 60_000);

  it(`makes one more token call when the token expires`, async () => {
    expect(await burst("giga-short")).toEqual(allOk);
    expect(await tokenCounts(SHORT)).toMatchObject({ issued: 1, calls: 1 });
    // Past its life (the endpoint's Date header has whole seconds: allow one more).
    await new Promise((r) => setTimeout(r, SHORT_TTL_MS + 1_500));
    expect(await burst("giga-short")).toEqual(allOk);
    const after = await tokenCounts(SHORT);
    expect(after).toMatchObject({ issued: 2, calls: 2 });
    figures.push(`expiring token: ${LOAD} requests, 1 token call; after it expired, ${LOAD} more: ${after.calls - 1} more`);
  }, 60_000);
});

/** One conversation's request: its status and how many attempts the proxy made. */
async function converse(client: OpenAI, conversation: string): Promise<{ status: number; attempts: number }> {
  const { response } = await client.chat.completions.create({ model: "pool", messages: [{ role: "user", content: conversation }] }).withResponse();
  return { status: response.status, attempts: Number(response.headers.get("x-proxy-attempts")) };
}

/** Keys of the pool that /v1/status shows benched. */
async function benchedKeys(): Promise<number> {
  const res = await fetch(`${iso.clients[1]!.baseURL}/status`, { headers: { authorization: `Bearer ${ISOLATES_KEY}` } });
  const body = (await res.json()) as { models: Array<{ name: string; keys?: Array<{ benched_until: string | null }> }> };
  return body.models.find((m) => m.name === "pool")?.keys?.filter((k) => k.benched_until !== null).length ?? 0;
}

describe("a pool key the provider rejects", () => {
  it("is benched for every isolate once one isolate has been refused it", async () => {
    // One isolate's conversations, until one of them is on the rejected key: it pays a second attempt.
    const first: Array<{ status: number; attempts: number }> = [];
    for (let i = 0; i < 20 && !first.some((a) => a.attempts > 1); i++) first.push(await converse(iso.clients[0]!, `first-${i}`));
    expect(first.every((a) => a.status === 200)).toBe(true);
    expect(first.filter((a) => a.attempts > 1)).toHaveLength(1);
    // Its report reaches the key's limiter after the answer.
    await expect.poll(benchedKeys, { timeout: 10_000 }).toBe(1);
    // The other isolates never met the key; about half of these conversations belong to it.
    const others = await Promise.all(Array.from({ length: 40 }, (_, i) => converse(iso.clients[1 + (i % (ISOLATES - 1))]!, `other-${i}`)));
    expect(others.map((a) => a.status)).toEqual(Array.from({ length: 40 }, () => 200));
    expect(others.filter((a) => a.attempts > 1)).toHaveLength(0);
    figures.push(`rejected pool key: 1 request of ${first.length} on the first isolate paid a second attempt; 0 of 40 on the other ${ISOLATES - 1}`);
  }, 60_000);
});
