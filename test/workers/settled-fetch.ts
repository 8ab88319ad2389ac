/**
 * The Worker's fetch with each request's waitUntil work kept, so a test can wait for what
 * a request leaves behind once its body has been read (a cache entry stored) instead of
 * sleeping and hoping. The Worker entry is the app's fetch itself (src/index.ts), so this
 * is the same path a client takes, with an execution context the test holds.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../../src/app";

export type WorkerFetch = (req: Request) => Promise<Response>;

export function settledFetch(): { fetch: WorkerFetch; settled: () => Promise<void> } {
  const pending: ExecutionContext[] = [];
  const fetch: WorkerFetch = async (req) => {
    const ctx = createExecutionContext();
    pending.push(ctx);
    return app.fetch(req, env, ctx);
  };
  // Call it only after every body has been read: a stream's entry is stored when it ends.
  const settled = async () => {
    for (const ctx of pending.splice(0)) await waitOnExecutionContext(ctx);
  };
  return { fetch, settled };
}
