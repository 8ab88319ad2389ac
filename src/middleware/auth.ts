/**
 * Client-key auth for every route registered after it: the key as `Authorization: Bearer`
 * (OpenAI clients) or as `x-api-key` (the Anthropic SDK and Claude Code), on every route.
 * Accepted keys come from the PROXY_API_KEYS secret. Keys are compared as SHA-256 digests with timingSafeEqual,
 * against every configured key without early exit, so neither the content nor the length
 * of a key leaks through timing. With no keys configured the proxy fails closed.
 * Entries may be named, `alice:sk-…`; a bare key is named by a short fingerprint of it
 * (`key-1a2b3c4d`). The name is the client for everything after auth: its rules in
 * models.yaml `clients`, its limiter, usage, cache scope and log lines.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { catalog } from "../config/catalog";
import { CLIENT_NAME } from "../config/client-name";
import { AuthenticationError } from "../errors";
import { logLine } from "../observability/log-line";

declare module "hono" {
  interface ContextVariableMap {
    /** A fingerprint of the client key that authenticated this request (never the key). */
    clientKeyId: string;
    /** The client's name: from `name:key` in PROXY_API_KEYS, else `key-` and a fingerprint. */
    client: string;
  }
}

const encoder = new TextEncoder();
const digest = (text: string) => crypto.subtle.digest("SHA-256", encoder.encode(text));

interface Accepted {
  digests: ArrayBuffer[];
  names: string[];
}

// One entry per distinct secret value: the digests are computed once per isolate.
let cached: { raw: string; accepted: Promise<Accepted> } | undefined;
/**
 * Digests of presented keys that were accepted, so a client's key is hashed once per
 * isolate, not on every request. Only accepted keys enter, at most MAX_VERIFIED; the
 * comparison against every configured key still runs, in constant time, on each request.
 */
const verified = new Map<string, ArrayBuffer>();
const MAX_VERIFIED = 64;

async function parseKeys(raw: string): Promise<Accepted> {
  const entries = raw.split(",").map((k) => k.trim()).filter(Boolean).map((entry) => {
    const colon = entry.indexOf(":");
    const name = entry.slice(0, colon);
    return colon > 0 && CLIENT_NAME.test(name) && colon < entry.length - 1 ? { name, key: entry.slice(colon + 1) } : { key: entry };
  });
  const digests = await Promise.all(entries.map((e) => digest(e.key)));
  const names = entries.map((e, i) => e.name ?? `key-${hex(digests[i]!).slice(0, 8)}`);
  // Said once per isolate and key set: rules for a name no key carries apply to nobody.
  for (const name of catalog.clients.keys()) if (!names.includes(name)) logLine("error", { msg: "models.yaml gives rules to a client no key in PROXY_API_KEYS is named for", client: name });
  return { digests, names };
}

function acceptedKeys(raw: string): Promise<Accepted> {
  if (cached?.raw !== raw) {
    cached = { raw, accepted: parseKeys(raw) };
    verified.clear();
  }
  return cached.accepted;
}

/** Every client name the keys carry (an admin's usage view lists them). */
export async function clientNames(raw: unknown): Promise<string[]> {
  return [...new Set((await acceptedKeys(typeof raw === "string" ? raw : "")).names)];
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const API_KEY = /^[ \t]*([^\s]+)[ \t]*$/;
const INVALID = "Invalid or missing API key. Send a client key of this proxy as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.";

/** The digest and name of the first presented key that is accepted, else undefined; every key is compared. */
async function matching(tokens: readonly string[], accepted: Accepted): Promise<{ presented: ArrayBuffer; name: string } | undefined> {
  for (const token of tokens) {
    const presented = verified.get(token) ?? (await digest(token));
    let match = -1;
    accepted.digests.forEach((key, i) => {
      if (crypto.subtle.timingSafeEqual(presented, key) && match < 0) match = i;
    });
    if (match < 0) continue;
    if (verified.size < MAX_VERIFIED) verified.set(token, presented);
    return { presented, name: accepted.names[match]! };
  }
  return undefined;
}

export function bearerAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = typeof c.env.PROXY_API_KEYS === "string" ? c.env.PROXY_API_KEYS : "";
    const accepted = await acceptedKeys(raw);
    const header = c.req.header("authorization");
    const apiKey = c.req.header("x-api-key");
    const sent = header !== undefined || apiKey !== undefined;
    if (accepted.digests.length === 0) {
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
    const found = await matching(tokens, accepted);
    if (!found) throw new AuthenticationError(INVALID, { tokenSent: true });
    // Scopes per-key state (stored responses) without keeping the key itself.
    c.set("clientKeyId", hex(found.presented).slice(0, 16));
    c.set("client", found.name);
    c.get("log").client = found.name;
    await next();
  };
}
