/**
 * Client-key auth for every route registered after it: the key as `Authorization: Bearer`
 * (OpenAI clients) or as `x-api-key` (the Anthropic SDK and Claude Code), on every route.
 * Accepted keys come from the PROXY_API_KEYS secret. Keys are compared as SHA-256 digests with timingSafeEqual,
 * against every configured key without early exit, so neither the content nor the length
 * of a key leaks through timing. With no keys configured the proxy fails closed.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AuthenticationError } from "../errors";

declare module "hono" {
  interface ContextVariableMap {
    /** A fingerprint of the client key that authenticated this request (never the key). */
    clientKeyId: string;
  }
}

const encoder = new TextEncoder();
const digest = (text: string) => crypto.subtle.digest("SHA-256", encoder.encode(text));

// One entry per distinct secret value: the digests are computed once per isolate.
let cached: { raw: string; digests: Promise<ArrayBuffer[]> } | undefined;
/**
 * Digests of presented keys that were accepted, so a client's key is hashed once per
 * isolate, not on every request. Only accepted keys enter, at most MAX_VERIFIED; the
 * comparison against every configured key still runs, in constant time, on each request.
 */
const verified = new Map<string, ArrayBuffer>();
const MAX_VERIFIED = 64;

function keyDigests(raw: string): Promise<ArrayBuffer[]> {
  if (cached?.raw !== raw) {
    const keys = raw.split(",").map((k) => k.trim()).filter(Boolean);
    cached = { raw, digests: Promise.all(keys.map(digest)) };
    verified.clear();
  }
  return cached.digests;
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const API_KEY = /^[ \t]*([^\s]+)[ \t]*$/;
const INVALID = "Invalid or missing API key. Send a client key of this proxy as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.";

/** The digest of the first presented key that is accepted, else undefined; every key is compared. */
async function matching(tokens: readonly string[], accepted: readonly ArrayBuffer[]): Promise<ArrayBuffer | undefined> {
  for (const token of tokens) {
    const presented = verified.get(token) ?? (await digest(token));
    let match = false;
    for (const key of accepted) match = crypto.subtle.timingSafeEqual(presented, key) || match;
    if (!match) continue;
    if (verified.size < MAX_VERIFIED) verified.set(token, presented);
    return presented;
  }
  return undefined;
}

export function bearerAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = typeof c.env.PROXY_API_KEYS === "string" ? c.env.PROXY_API_KEYS : "";
    const accepted = await keyDigests(raw);
    const header = c.req.header("authorization");
    const apiKey = c.req.header("x-api-key");
    const sent = header !== undefined || apiKey !== undefined;
    if (accepted.length === 0) {
      throw new AuthenticationError(
        "ai-proxy has no client keys configured, so it refuses every request. Set the PROXY_API_KEYS secret.",
        { tokenSent: sent, code: "no_client_keys_configured" },
      );
    }
    const tokens: string[] = [];
    const fromApiKey = apiKey?.match(API_KEY)?.[1];
    if (fromApiKey) tokens.push(fromApiKey);
    const bearer = header?.match(BEARER)?.[1];
    if (bearer && bearer !== fromApiKey) tokens.push(bearer);
    if (tokens.length === 0) throw new AuthenticationError(INVALID, { tokenSent: sent });
    const presented = await matching(tokens, accepted);
    if (!presented) throw new AuthenticationError(INVALID, { tokenSent: true });
    // Scopes per-client state (the response cache) without keeping the key itself.
    c.set("clientKeyId", hex(presented).slice(0, 16));
    await next();
  };
}
