/**
 * Access tokens as a deployment shares them: five isolates (one workerd, five Worker
 * services from the real bundle) asking one provider's Durable Object for its token, in
 * front of the simulator's OAuth endpoint, which counts the tokens it issues. However the
 * requests spread over the isolates, one token call serves them all; after the provider
 * revokes the token, or it expires, exactly one more.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, type Isolates, startIsolates } from "./harness";
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
models:
  - { name: giga, provider: giga, model: GigaChat }
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
  iso = await startIsolates(modelsYaml(), ISOLATES, { GIGA_CLIENT_ID: SIM_OAUTH_CLIENT.id, GIGA_CLIENT_SECRET: SIM_OAUTH_CLIENT.secret });
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
