/**
 * GET /v1/status (and /status): the live state of every model, straight from the
 * limiters: breaker, cooldown, in-flight requests, latency (average and median), recent
 * successes and errors, and each declared window's usage; each provider's account-wide
 * usage; and, per size category, the order the proxy would try its models in right now
 * and which one would serve the next request. An admin sees all of it; a client with an
 * allow-list sees only the models it may use, their providers, and categories narrowed.
 */
import { Hono } from "hono/tiny";
import { mayUse, rulesFor } from "../clients/rules";
import { catalog } from "../config/catalog";
import type { AppEnv } from "../env";
import type { ModelStatus, ProviderStatus } from "../limits/limiter-types";
import { RECENT_WINDOW_S } from "../limits/recent-activity";
import { quotaClient, quotaContext } from "../limits/quota-client";
import { requestsExhausted } from "../limits/quota-counters";
import type { LimitKey, WindowUsage } from "../limits/limiter-types";
import { orderCandidates } from "../routing/order-candidates";
import { resolveModel } from "../routing/resolve-model";
import type { StatusBody, StatusCategory, StatusModel, StatusProvider, StatusUsage } from "./status-body";

/** Stored state is validated when loaded; a time no Date can hold still never fails the route. */
const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 ? null : new Date(ms).toISOString());

function usageOut(usage: Partial<Record<LimitKey, WindowUsage>>): StatusUsage {
  return Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, u && { used: u.used, limit: u.limit, resets_at: new Date(u.resets_at).toISOString() }]));
}

function available(m: ModelStatus, provider: ProviderStatus): boolean {
  if (m.breaker === "open" || m.cooldown_until !== null || provider.exhausted_until !== null) return false;
  return !requestsExhausted(m.usage) && !requestsExhausted(provider.usage);
}

type Entry = { model: ModelStatus; provider: ProviderStatus };

export const statusRoutes = new Hono<AppEnv>().get("/status", async (c) => {
  const ctx = quotaContext(c.env, (p) => c.executionCtx.waitUntil(p));
  // A per-key pool's state lives in one limiter per key (limits/key-pool.ts): the first key's stands for the model.
  const rules = rulesFor(c.get("client"));
  const shown = (name: string) => rules.admin || mayUse(rules, name);
  const specs = [...catalog.models.values()].filter((m) => shown(m.name));
  const keyed = new Map<string, string>();
  const names = [...new Set(specs.flatMap((m) => quotaClient.keyLimiters(m, ctx).map((k) => (keyed.set(k.limiter, k.key), k.limiter))))];
  for (const m of specs) if (!quotaClient.keyLimiters(m, ctx).length && !names.includes(m.providerId)) names.push(m.providerId);
  const statuses = await quotaClient.statuses(names, ctx);
  const byModel = new Map<string, Entry>();
  const byKey = new Map<string, Array<Entry & { key: string }>>();
  statuses.forEach((p, i) => {
    const key = keyed.get(names[i]!);
    for (const m of p.models) {
      if (!byModel.has(m.name)) byModel.set(m.name, { model: m, provider: p });
      if (key) byKey.set(m.name, [...(byKey.get(m.name) ?? []), { model: m, provider: p, key }]);
    }
  });
  const providers = statuses.filter((p, i) => statuses.findIndex((q) => q.provider === p.provider) === i);

  const models = specs.map((spec): StatusModel => {
    const s = byModel.get(spec.name);
    const keys = byKey.get(spec.name)?.map((k) => ({ key: k.key, breaker: k.model.breaker, cooldown_until: iso(Math.max(k.model.cooldown_until ?? 0, k.provider.exhausted_until ?? 0) || null), benched_until: iso(k.provider.benched_until ?? null), usage: usageOut(k.model.usage) }));
    return {
      ...(keys ? { keys } : {}),
      name: spec.name,
      provider: spec.providerId,
      size: spec.size ?? null,
      type: spec.type,
      breaker: s?.model.breaker ?? "closed",
      cooldown_until: iso(Math.max(s?.model.cooldown_until ?? 0, s?.provider.exhausted_until ?? 0) || null),
      in_flight: s?.model.in_flight ?? 0,
      latency_ms: s?.model.latency_ms ?? null,
      latency_p50_ms: s?.model.latency_p50_ms ?? null,
      recent: s?.model.recent ?? { success: 0, error: 0, window_s: RECENT_WINDOW_S },
      usage: usageOut(s?.model.usage ?? {}),
    };
  });
  const categories = [...catalog.categories.keys()].flatMap((name): StatusCategory[] => {
    const resolution = resolveModel(name, catalog.categories.get(name)?.[0]?.type ?? "chat");
    const order = orderCandidates(resolution, { views: quotaClient.views, lastUsed: new Map() }).map((m) => m.name).filter(shown);
    if (!order.length) return [];
    const next = order.find((n) => {
      const s = byModel.get(n);
      return s ? available(s.model, s.provider) : true;
    });
    return [{ name, strategy: resolution.strategy, order, next: next ?? null }];
  });
  return c.json({
    object: "status",
    generated_at: new Date().toISOString(),
    models,
    providers: providers.map((p): StatusProvider => ({ id: p.provider, exhausted_until: iso(p.exhausted_until), usage: usageOut(p.usage) })),
    categories,
  } satisfies StatusBody);
});
