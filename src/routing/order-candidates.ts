/**
 * Orders a category's candidates by its strategy, from what this isolate knows of each
 * model (the views the limiter returns with every grant):
 * - priority: configured priority, equal priorities least recently used first;
 * - least-used: most headroom left in the tightest window;
 * - latency: lowest observed time to first byte (unmeasured models first, to measure them);
 * - cost: cheapest `cost`.
 * Ties always fall back to priority order. Availability is not judged here: reservation
 * skips what has no quota, so a stale view costs at most one refused call.
 */
import type { ResolvedModel } from "../config/catalog";
import type { ModelView } from "../limits/limiter-types";
import type { Resolution } from "./resolve-model";

export interface OrderingInputs {
  views: ReadonlyMap<string, ModelView>;
  /** Local last-use times, fresher than the views' for models served from a lease. */
  lastUsed: ReadonlyMap<string, number>;
}

export function orderCandidates(resolution: Resolution, inputs: OrderingInputs): ResolvedModel[] {
  const ranked = resolution.candidates.map((model, rank) => ({ model, rank, view: inputs.views.get(model.name) }));
  const lastUse = (e: (typeof ranked)[number]) => Math.max(e.view?.lastUsedAt ?? 0, inputs.lastUsed.get(e.model.name) ?? 0);
  const priority = (e: (typeof ranked)[number]) => e.model.priority ?? Number.POSITIVE_INFINITY;
  let key: (e: (typeof ranked)[number]) => number;
  switch (resolution.strategy) {
    case "fixed":
      return [...resolution.candidates];
    case "priority":
      ranked.sort((a, b) => priority(a) - priority(b) || lastUse(a) - lastUse(b) || a.rank - b.rank);
      return ranked.map((e) => e.model);
    case "least-used":
      key = (e) => -(e.view?.freeFraction ?? 1);
      break;
    case "latency":
      key = (e) => e.view?.latencyMs ?? 0;
      break;
    case "cost":
      key = (e) => e.model.cost ?? Number.POSITIVE_INFINITY;
      break;
  }
  ranked.sort((a, b) => key(a) - key(b) || a.rank - b.rank);
  return ranked.map((e) => e.model);
}
