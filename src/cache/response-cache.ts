/**
 * The opt-in response cache, in the Workers Cache API. A request is cached when its model
 * or category sets `cache_ttl`, or it sends `x-proxy-cache-ttl` (seconds; 0 bypasses).
 * The key is a hash of the normalized request (fields that cannot change the answer, and
 * `stream`, left out) and the requested model, scoped per client key, so one client never
 * sees another's answers. Entries are whole completions: a streamed answer is assembled
 * before it is stored, and replayed as a stream to streaming requests. Hits never reach
 * a provider, so they cost no quota.
 */
import { catalog } from "../config/catalog";
import { InvalidRequestError } from "../errors";
import type { ChatRequest } from "../openai/chat-request";
import type { ChatCompletion } from "../openai/chat-response";
import type { Resolution } from "../routing/resolve-model";
import { assembleCompletion } from "./assemble";
import { replayAsStream } from "./replay";

export type CachePlan = { status: "BYPASS" } | { status: "LOOKUP"; key: Request; ttl: number };

interface Entry {
  completion: ChatCompletion;
  model: string;
  provider: string;
}

const MAX_TTL = 31 * 86_400;
const IGNORED = new Set(["stream", "stream_options", "user", "metadata", "store"]);

function ttlFrom(header: string | undefined, resolution: Resolution): number {
  if (header !== undefined) {
    if (!/^\s*\d+\s*$/.test(header) || Number(header) > MAX_TTL) {
      throw new InvalidRequestError(`x-proxy-cache-ttl must be a number of seconds from 0 to ${MAX_TTL}.`, { param: "x-proxy-cache-ttl" });
    }
    return Number(header);
  }
  const name = resolution.requested;
  return catalog.models.get(name)?.cache_ttl ?? catalog.categorySettings.get(name)?.cache_ttl ?? 0;
}

/** JSON with object keys sorted at every level, so equal requests hash equally. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export async function cachePlan(req: ChatRequest, resolution: Resolution, clientKeyId: string, header: string | undefined): Promise<CachePlan> {
  const ttl = ttlFrom(header, resolution);
  if (ttl === 0) return { status: "BYPASS" };
  const normalized = Object.fromEntries(Object.entries(req).filter(([k]) => !IGNORED.has(k)));
  normalized.model = resolution.requested;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(stable(normalized)));
  const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { status: "LOOKUP", ttl, key: new Request(`https://cache.ai-proxy.internal/chat/${clientKeyId}/${hash}`) };
}

/** A cached answer in the shape the request asked for, or undefined on a miss. */
export async function lookup(plan: Extract<CachePlan, { status: "LOOKUP" }>, req: ChatRequest): Promise<Response | undefined> {
  const hit = await caches.default.match(plan.key);
  if (!hit) return undefined;
  const entry = (await hit.json()) as Entry;
  const headers = { "x-proxy-cache": "HIT", "x-proxy-model": entry.model, "x-proxy-provider": entry.provider, "x-proxy-attempts": "0" };
  if (req.stream) {
    const body = replayAsStream(entry.completion, req.stream_options?.include_usage === true);
    return new Response(body, { headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }
  return Response.json(entry.completion, { headers });
}

/**
 * Stores a fresh answer (in waitUntil) and returns the response for the client: for a
 * stream, one branch of a tee goes to the client, the other is assembled and stored only
 * if the stream completes.
 */
export function store(plan: Extract<CachePlan, { status: "LOOKUP" }>, res: Response, model: string, provider: string, waitUntil: (p: Promise<unknown>) => void): Response {
  const put = (completion: ChatCompletion | undefined) => {
    if (!completion) return;
    const entry: Entry = { completion, model, provider };
    return caches.default.put(plan.key, new Response(JSON.stringify(entry), { headers: { "content-type": "application/json", "cache-control": `max-age=${plan.ttl}` } }));
  };
  if (!res.body) return res;
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    const [client, copy] = res.body.tee();
    waitUntil(assembleCompletion(copy).then(put));
    return new Response(client, res);
  }
  waitUntil(res.clone().json().then((c) => put(c as ChatCompletion)));
  return res;
}
