/**
 * The isolate's side of the limiter when the limiter cannot be reached: each provider says
 * whether a request then goes out uncounted (open, the default) or is refused (closed).
 */
import { describe, expect, it } from "vitest";
import { catalog, type ResolvedModel } from "../config/catalog";
import type { ProviderLimiter } from "./provider-limiter";
import type { QuotaContext } from "./quota-context";
import { QuotaClient } from "./quota-client";

/** A namespace whose object cannot be reached, as when the Durable Object's location is down. */
const unreachable: QuotaContext = {
  limiter: {
    getByName: () => ({
      acquire: () => Promise.reject(new Error("Durable Object is overloaded")),
      settle: () => Promise.reject(new Error("Durable Object is overloaded")),
    }),
  } as unknown as DurableObjectNamespace<ProviderLimiter>,
  waitUntil: () => {},
};

const limited = catalog.models.get("limited-3")!;
const failing = (mode: "open" | "closed" | undefined): ResolvedModel => ({ ...limited, providerConfig: { ...limited.providerConfig, limiter_unreachable: mode } });

describe("QuotaClient when the limiter is unreachable", () => {
  it("serves uncounted by default (fails open)", async () => {
    const r = await new QuotaClient().reserve(failing(undefined), 10, unreachable);
    expect(r).toMatchObject({ ok: true, probe: false });
    if (r.ok) r.settle({ outcome: "success", tokens: 10 });
  });

  it("refuses when its provider fails closed, for a moment", async () => {
    const client = new QuotaClient();
    const model = failing("closed");
    expect(await client.reserve(model, 10, unreachable)).toEqual({ ok: false, reason: "limiter_unavailable", retryAfterMs: 1000 });
    // Cached: the next request is refused without another attempt to reach the limiter.
    const again = await client.reserve(model, 10, unreachable);
    expect(again).toMatchObject({ ok: false, reason: "limiter_unavailable" });
  });
});
