/**
 * CORS for browser apps that call the proxy directly. `CORS_ORIGINS` (a Worker variable)
 * is `*` by default, a comma-separated list of origins, or empty to turn CORS off.
 *
 * A preflight from an allowed origin is answered here, before auth: a browser never sends
 * credentials on one, and it carries no data, so it needs no key and never reaches a route
 * or an upstream. Every other request still needs its key; an allowed origin's responses,
 * errors included, carry `Access-Control-Allow-Origin` and expose the headers a client
 * reads (`x-request-id`, `x-proxy-*`, `retry-after`). Written here rather than with
 * `hono/cors` because that one reflects only the headers a preflight names, and exposes
 * headers to origins it refuses.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** Headers a client of any supported protocol may send, allowed whatever the preflight names. */
const ALLOW_HEADERS = [
  "authorization", "content-type", "x-api-key", "anthropic-version", "anthropic-beta", "anthropic-dangerous-direct-browser-access",
  "x-request-id", "traceparent", "tracestate", "x-proxy-cache-ttl", "x-proxy-session", "x-stainless-arch", "x-stainless-lang",
  "x-stainless-os", "x-stainless-package-version", "x-stainless-retry-count", "x-stainless-runtime", "x-stainless-runtime-version",
  "x-stainless-timeout", "x-stainless-helper-method", "openai-organization", "openai-project",
];
const EXPOSE_HEADERS = [
  "x-request-id", "x-proxy-model", "x-proxy-provider", "x-proxy-attempts", "x-proxy-cache", "x-proxy-estimated", "x-proxy-passthrough", "retry-after",
].join(", ");
const ALLOW_METHODS = "GET, HEAD, POST, DELETE, OPTIONS";
const MAX_AGE_S = "86400";

type Policy = { kind: "off" } | { kind: "any" } | { kind: "list"; origins: ReadonlySet<string> };

const normalise = (origin: string) => origin.trim().replace(/\/+$/, "").toLowerCase();

export function parseCorsOrigins(raw: unknown): Policy {
  if (raw === undefined || raw === null) return { kind: "any" };
  const entries = String(raw).split(",").map(normalise).filter(Boolean);
  if (entries.length === 0) return { kind: "off" };
  if (entries.includes("*")) return { kind: "any" };
  return { kind: "list", origins: new Set(entries) };
}

// Parsed once per env object, as settings are: Workers have no start-up hook.
const policies = new WeakMap<object, Policy>();

function policyFor(env: AppEnv["Bindings"]): Policy {
  let policy = policies.get(env);
  if (!policy) {
    policy = parseCorsOrigins(env.CORS_ORIGINS);
    policies.set(env, policy);
  }
  return policy;
}

/** The Access-Control-Allow-Origin value for this origin, or undefined when it is not allowed. */
function allowedOrigin(policy: Policy, origin: string): string | undefined {
  if (policy.kind === "any") return "*";
  if (policy.kind === "list" && policy.origins.has(normalise(origin))) return origin;
  return undefined;
}

function allowHeaders(requested: string | undefined): string {
  const names = new Set(ALLOW_HEADERS);
  for (const name of requested?.split(",") ?? []) {
    const trimmed = name.trim().toLowerCase();
    if (/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(trimmed)) names.add(trimmed);
  }
  return [...names].join(", ");
}

/** Sets headers on the response, copying it first only if its headers are immutable (a fetched or cached one). */
function setHeaders(c: Context<AppEnv>, headers: Record<string, string>): void {
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    c.res = copy;
  }
}

export function cors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const policy = policyFor(c.env);
    const origin = c.req.header("origin");
    if (policy.kind === "off" || origin === undefined) return next();
    const allowed = allowedOrigin(policy, origin);
    // A list answers differently per origin, so caches must key on it.
    const vary: Record<string, string> = policy.kind === "list" ? { vary: "Origin" } : {};
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      const headers: Record<string, string> = { ...vary };
      if (allowed) {
        headers["access-control-allow-origin"] = allowed;
        headers["access-control-allow-methods"] = ALLOW_METHODS;
        headers["access-control-allow-headers"] = allowHeaders(c.req.header("access-control-request-headers"));
        headers["access-control-max-age"] = MAX_AGE_S;
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    if (allowed) setHeaders(c, { "access-control-allow-origin": allowed, "access-control-expose-headers": EXPOSE_HEADERS, ...vary });
    else if (policy.kind === "list") setHeaders(c, vary);
  };
}
