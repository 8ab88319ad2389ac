/**
 * The opt-in response cache, in the Workers Cache API. A request is cached when its model
 * or category sets `cache_ttl`, or it sends `x-proxy-cache-ttl` (seconds; 0 bypasses).
 * The key is a hash of the normalized request (every field that can change the answer,
 * `user` and `metadata` included, so two end users behind one client key never share an
 * answer; `stream`, `stream_options` and `store` left out) and the requested model,
 * scoped per client name (the keys one name carries share it), so one client never sees another's answers. Entries are whole
 * completions: a streamed answer is assembled from the very bytes the client is sent, as
 * it reads them (no `tee()`: a client that does not read holds the upstream back, and one
 * that leaves cancels it), up to MAX_CACHED_CHARS, and stored only if it completed. Hits
 * never reach a provider, so they cost no quota. Embeddings answers are cached the same
 * way, as whole JSON answers under their own route.
 */
import { catalog } from "../config/catalog";
import { InvalidRequestError } from "../errors";
import type { ChatRequest } from "../openai/chat-request";
import type { ChatCompletion } from "../openai/chat-response";
import type { Resolution } from "../routing/resolve-model";
import { CompletionAssembler } from "./assemble";
import { replayAsStream } from "./replay";

export type CachePlan = { status: "BYPASS" } | { status: "LOOKUP"; key: Request; ttl: number };

interface Entry {
  /** A chat completion; on other routes, their whole JSON answer, served as stored. */
  completion: ChatCompletion;
  model: string;
  provider: string;
}

const MAX_TTL = 31 * 86_400;
/** Fields that change how an answer is delivered or kept, never what it says. */
const IGNORED = new Set(["stream", "stream_options", "store"]);
/** Larger answers are served but not cached: an entry is held in memory while it is assembled. */
export const MAX_CACHED_CHARS = 1024 * 1024;

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

/** `route` keeps each endpoint's entries apart (chat completions, embeddings). */
export async function cachePlan(req: Record<string, unknown>, resolution: Resolution, client: string, header: string | undefined, route = "chat"): Promise<CachePlan> {
  const ttl = ttlFrom(header, resolution);
  if (ttl === 0) return { status: "BYPASS" };
  const normalized = Object.fromEntries(Object.entries(req).filter(([k]) => !IGNORED.has(k)));
  normalized.model = resolution.requested;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(stable(normalized)));
  const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { status: "LOOKUP", ttl, key: new Request(`https://cache.ai-proxy.internal/${route}/${client}/${hash}`) };
}

/** A cached answer in the shape the request asked for, or undefined on a miss. */
export async function lookup(plan: Extract<CachePlan, { status: "LOOKUP" }>, req: Pick<ChatRequest, "stream" | "stream_options">): Promise<Response | undefined> {
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
 * Stores a fresh answer (in waitUntil) and returns the response for the client. A stream
 * is passed through as the client pulls it and assembled on the way; a plain answer is
 * already whole in memory.
 */
export async function store(plan: Extract<CachePlan, { status: "LOOKUP" }>, res: Response, model: string, provider: string, waitUntil: (p: Promise<unknown>) => void): Promise<Response> {
  const put = (completion: ChatCompletion | undefined) => {
    if (!completion) return;
    const entry: Entry = { completion, model, provider };
    return caches.default.put(plan.key, new Response(JSON.stringify(entry), { headers: { "content-type": "application/json", "cache-control": `max-age=${plan.ttl}` } }));
  };
  if (!res.body) return res;
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    let resolve!: (c: ChatCompletion | undefined) => void;
    waitUntil(new Promise<ChatCompletion | undefined>((r) => (resolve = r)).then(put));
    return new Response(assembleWhileSent(res.body, resolve), res);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength <= MAX_CACHED_CHARS) waitUntil(Promise.resolve().then(() => put(JSON.parse(new TextDecoder().decode(bytes)) as ChatCompletion)));
  return new Response(bytes, res);
}

/** The same bytes, read only as the client reads; `done` gets the assembled answer, or undefined. */
function assembleWhileSent(body: ReadableStream<Uint8Array>, done: (c: ChatCompletion | undefined) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const assembler = new CompletionAssembler(MAX_CACHED_CHARS);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (err) {
          done(undefined);
          return controller.error(err);
        }
        if (r.done) {
          done(assembler.finish());
          return controller.close();
        }
        assembler.push(r.value);
        controller.enqueue(r.value);
      },
      cancel(reason) {
        done(undefined);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
