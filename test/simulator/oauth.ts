/**
 * Token endpoints and token-guarded APIs, for providers that authenticate with a
 * short-lived access token instead of a static key:
 * - `POST /oauth/token`: OAuth client credentials the GigaChat way (Basic auth of
 *   `SIM_OAUTH_CLIENT`, a form body with `scope`, an `RqUID` header that must be a UUID); answers `{access_token, expires_at}` in epoch ms. `?ttl_ms=N` shortens
 *   the token's life (default 30 minutes).
 * - `POST /google/token`: Google's JWT bearer grant. The assertion's RS256 signature is
 *   verified against the test service account's public key, and its `aud` must be this
 *   endpoint; answers `{access_token, expires_in}`.
 * - `/gigachat/...` (GigaChat's chat API, gigachat.ts) and `/vertex/...` (Gemini's API under a
 *   Vertex path; Claude's rawPredict/streamRawPredict under `/publishers/anthropic/models/`,
 *   served by anthropic.ts) answer 401 unless the Bearer token is one of ours and unexpired.
 * - `GET /__tokens?endpoint=/oauth/token?ttl_ms=N` counts the tokens issued for that URL
 *   (`issued`), the calls it had (`calls`), and the 401s the guarded APIs gave its tokens
 *   once expired or revoked (`refused`).
 * - `POST /__tokens/revoke?endpoint=...` revokes every token issued for that URL, as a
 *   provider does when it rotates them early.
 * - `?fail=500|401|hang` on a token endpoint's URL makes it fail: a 500, a 401 that echoes
 *   the client credentials it was sent (a careless endpoint), or no answer for 5 s.
 *   `?fail=stale` issues tokens the guarded APIs refuse from the start.
 */
import { createVerify, generateKeyPairSync, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./openai";

export const SIM_OAUTH_CLIENT = { id: "sim-giga-client", secret: "sim-giga-client-secret-42" };

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const issued = new Map<string, number>();
const counts = new Map<string, number>();
const calls = new Map<string, number>();
const refused = new Map<string, number>();
/** Which endpoint URL issued each token, for revoking and counting by endpoint. */
const issuer = new Map<string, string>();
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The test service account's JSON key, whose token_uri points at this simulator. */
export function serviceAccountJson(simUrl: string): string {
  return JSON.stringify({
    type: "service_account",
    project_id: "sim-project",
    client_email: "proxy@sim-project.iam.gserviceaccount.com",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    token_uri: `${simUrl}/google/token`,
  });
}

function issue(endpoint: string, ttlMs: number): { token: string; expiresAt: number } {
  const token = `sim-token-${randomUUID()}`;
  const expiresAt = Date.now() + ttlMs;
  issued.set(token, expiresAt);
  issuer.set(token, endpoint);
  bump(counts, endpoint);
  return { token, expiresAt };
}

const b64url = (text: string) => Buffer.from(text, "base64url");

function verifiedJwt(assertion: string, audience: string): boolean {
  const [head, claims, signature] = assertion.split(".");
  if (!head || !claims || !signature) return false;
  const verify = createVerify("RSA-SHA256");
  verify.update(`${head}.${claims}`);
  if (!verify.verify(publicKey, b64url(signature))) return false;
  const c = JSON.parse(b64url(claims).toString("utf8")) as { aud?: string; iss?: string; exp?: number; scope?: string };
  return c.aud === audience && typeof c.iss === "string" && typeof c.scope === "string" && (c.exp ?? 0) * 1000 > Date.now();
}

/** Handles the token endpoints; false when the path is not one of them. */
export function tokenRoute(url: URL, headers: IncomingMessage["headers"], raw: string, res: ServerResponse): boolean {
  const path = url.pathname;
  const of = url.searchParams.get("endpoint") ?? "";
  if (path === "/__tokens") return void sendJson(res, 200, { issued: counts.get(of) ?? 0, calls: calls.get(of) ?? 0, refused: refused.get(of) ?? 0 }), true;
  if (path === "/__tokens/revoke") {
    for (const [token, endpoint] of issuer) if (endpoint === of) issued.set(token, 0);
    return void sendJson(res, 200, { revoked: true }), true;
  }
  if (path !== "/oauth/token" && path !== "/google/token") return false;
  const form = new URLSearchParams(raw);
  const endpoint = path + url.search;
  bump(calls, endpoint);
  if (failed(url.searchParams.get("fail"), headers, res)) return true;
  const ttlMs = Number(url.searchParams.get("ttl_ms") ?? 30 * 60_000);
  if (path === "/oauth/token") {
    const basic = `Basic ${Buffer.from(`${SIM_OAUTH_CLIENT.id}:${SIM_OAUTH_CLIENT.secret}`).toString("base64")}`;
    if (headers.authorization !== basic) return void sendJson(res, 401, { code: 6, message: "Credentials doesn't match db data" }), true;
    const rqUid = headers.rquid;
    if (!UUID.test(String(rqUid))) return void sendJson(res, 400, { code: 5, message: "RqUID is not a UUID" }), true;
    if (form.get("grant_type") !== "client_credentials" || !form.get("scope")) return void sendJson(res, 400, { code: 7, message: "scope is required" }), true;
    const { token, expiresAt } = issue(endpoint, ttlMs);
    if (url.searchParams.get("fail") === "stale") issued.set(token, 0);
    return void sendJson(res, 200, { access_token: token, expires_at: expiresAt }), true;
  }
  const audience = `http://${headers.host}/google/token`;
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer" || !verifiedJwt(form.get("assertion") ?? "", audience)) {
    return void sendJson(res, 400, { error: "invalid_grant", error_description: "Invalid JWT Signature." }), true;
  }
  const { token } = issue(endpoint, ttlMs);
  return void sendJson(res, 200, { access_token: token, expires_in: Math.round(ttlMs / 1000), token_type: "Bearer" }), true;
}

/** A token endpoint told to fail by its URL: true when it has (or will have) answered. */
function failed(how: string | null, headers: IncomingMessage["headers"], res: ServerResponse): boolean {
  if (how === "500") return sendJson(res, 500, { error: "internal", message: "token service unavailable" }), true;
  if (how === "401") {
    const sent = Buffer.from((headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString("utf8");
    return sendJson(res, 401, { code: 6, message: `Credentials ${sent} (${headers.authorization}) don't match db data` }), true;
  }
  if (how === "hang") {
    const timer = setTimeout(() => sendJson(res, 500, { message: "gave up hanging" }), 5_000);
    res.on("close", () => clearTimeout(timer));
    return true;
  }
  return false;
}

/** For the token-guarded APIs: the path to serve instead, or a 401 already sent (undefined). */
export function tokenGuarded(url: URL, headers: IncomingMessage["headers"], res: ServerResponse): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1] ?? "";
  if ((issued.get(bearer) ?? 0) <= Date.now()) {
    bump(refused, issuer.get(bearer) ?? "");
    return void sendJson(res, 401, { error: { code: 401, message: "Token has expired or is not valid", status: "UNAUTHENTICATED" } });
  }
  if (url.pathname.startsWith("/gigachat/")) return url.pathname;
  if (url.pathname.includes("/publishers/anthropic/models/")) return url.pathname.replace(/^.*\/models\//, "/anthropic/vertex/models/");
  return url.pathname.replace(/^.*\/models\//, "/gemini/v1beta/models/");
}
