/**
 * The upstream simulator: one real HTTP server on loopback that speaks each provider
 * protocol under its own prefix (/openai/v1, its Responses API in responses.ts;
 * /gemini/v1beta, /anthropic/v1, /gigachat/api/v1; the image APIs in images.ts, the
 * embeddings APIs in embeddings.ts), records what it receives, and
 * fails on request (see directive.ts). Used by the workerd tests, `npm run demo` and the
 * benchmark.
 *
 * Inspection: GET /__requests?tag=T lists the requests carrying that directive tag (headers,
 * parsed body and the raw body text);
 * GET /__stats?model=M counts requests and 429s for an upstream model id (`M@key` for a
 * "perkey" model). Token endpoints and token-guarded APIs: oauth.ts. A key starting with
 * "revoked" is answered 401, one starting with "failing" 500 (a key whose account is broken).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { collectTexts, type Directive, parseDirective, sleep, withoutFaults } from "./directive";
import { embeddingRoutes } from "./embeddings";
import { credentialOf, sendHugeBody, withCredential } from "./hostile";
import { anthropicRoute } from "./anthropic";
import { geminiRoute } from "./gemini";
import { gigachatRoute } from "./gigachat";
import { imageRoutes } from "./images";
import { enforceLimits, modelOf, stats } from "./limits";
import { tokenGuarded, tokenRoute } from "./oauth";
import { handleOpenAIChat, sendJson } from "./openai";
import { handleResponses } from "./responses";
import { startSse, writeFrames } from "./sse";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The body as it arrived, for tests that check it byte for byte. */
  raw: string;
  at: number;
  /** When the connection closed, and whether the whole response had been sent by then. */
  closedAt?: number;
  finished?: boolean;
  /** Bytes written to the connection so far, and whether the last write is waiting for the reader. */
  sent: number;
  blocked: boolean;
}

export type ProtocolHandler = (
  req: { path: string; url: URL; body: Record<string, unknown>; headers: IncomingMessage["headers"] },
  res: ServerResponse,
  d: Directive,
) => Promise<void> | void;

/** Path test -> handler, one entry per protocol module; the first match wins. */
const routes: Array<{ test: (path: string) => boolean; handle: ProtocolHandler }> = [
  ...embeddingRoutes,
  ...imageRoutes,
  {
    test: (p) => p === "/openai/v1/chat/completions" || p === "/v1/chat/completions",
    handle: (req, res, d) => handleOpenAIChat(req.body, res, d),
  },
  { test: (p) => p === "/openai/v1/responses", handle: (req, res, d) => handleResponses(req.body, res, d) },
  geminiRoute,
  anthropicRoute,
  gigachatRoute,
];

/** Counts what a recorded request's response wrote, and whether it is held up by its reader. */
function watchWrites(res: ServerResponse, entry: RecordedRequest): void {
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    entry.sent += typeof chunk === "string" ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    const ok = write(chunk, ...rest);
    if (!ok) entry.blocked = true;
    return ok;
  }) as typeof res.write;
  res.on("drain", () => (entry.blocked = false));
}

export interface Simulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_RECORDED = 5_000;

export async function startSimulator(port = 0, host = "127.0.0.1"): Promise<Simulator> {
  const recorded = new Map<string, RecordedRequest[]>();
  const sockets = new Set<import("node:net").Socket>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    try {
      if (url.pathname === "/__requests") {
        return sendJson(res, 200, recorded.get(url.searchParams.get("tag") ?? "") ?? []);
      }
      if (url.pathname === "/__stats") return sendJson(res, 200, stats(url.searchParams.get("model") ?? ""));
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      if (tokenRoute(url, req.headers, raw, res)) return;
      if (url.pathname.startsWith("/gigachat/") || url.pathname.startsWith("/vertex/")) {
        const path = tokenGuarded(url, req.headers, res);
        if (path === undefined) return;
        url.pathname = path;
      }
      // A key whose value starts with "revoked" is one the provider no longer accepts.
      if (credentialOf(req.headers, url).startsWith("revoked")) return sendJson(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } });
      if (credentialOf(req.headers, url).startsWith("failing")) {
        // Counted, so a test can see whether the proxy still calls the broken key.
        enforceLimits(`${/"model"\s*:\s*"([^"]+)"/.exec(raw)?.[1]}@${credentialOf(req.headers, url)}`, {});
        return sendJson(res, 500, { error: { message: "The server had an error processing your request", type: "server_error" } });
      }
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return sendJson(res, 400, { error: { message: "simulator: body is not JSON" } });
        }
      }
      const model = modelOf(url.pathname, body);
      let d = withCredential(parseDirective(collectTexts(body)), credentialOf(req.headers, url));
      const seen = d.tag ? (recorded.get(d.tag)?.length ?? 0) : 0;
      if ((d.only && !(model && d.only.includes(model))) || (d.times !== undefined && seen >= d.times)) d = withoutFaults(d);
      // Upstream ids with "perkey" in them count their limits per key, as real providers do.
      d = enforceLimits(model?.includes("perkey") ? `${model}@${credentialOf(req.headers, url)}` : model, d);
      if (d.tag) {
        const list = recorded.get(d.tag) ?? [];
        const entry: RecordedRequest = { method: req.method ?? "", path: url.pathname + url.search, headers: req.headers, body, raw, at: Date.now(), sent: 0, blocked: false };
        if (list.length < MAX_RECORDED) list.push(entry);
        recorded.set(d.tag, list);
        res.on("close", () => {
          entry.closedAt = Date.now();
          entry.finished = res.writableFinished;
        });
        watchWrites(res, entry);
      }
      if (d.drop) return void req.socket.destroy();
      if (d.empty) return void res.writeHead(200, { "content-type": "application/json" }).end();
      if (d.delay_ms) await sleep(d.delay_ms);
      const route = routes.find((r) => r.test(url.pathname));
      if (!route) return sendJson(res, 404, { error: { message: `simulator: no route ${url.pathname}` } });
      if (d.body_bytes !== undefined) return await sendHugeBody(res, d);
      if (d.body !== undefined) return sendJson(res, 200, d.body, d.headers);
      if (d.frames) {
        startSse(res, d);
        return await writeFrames(res, d.frames, d);
      }
      await route.handle({ path: url.pathname, url, body, headers: req.headers }, res, d);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `simulator: ${String(err)}` } });
      else res.destroy();
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A busy port rejects (with EADDRINUSE), so callers can say which port and what to do.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
