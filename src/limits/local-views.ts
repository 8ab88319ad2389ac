/**
 * What this isolate knows of each model between limiter calls, for ordering candidates:
 * the limiter's last view, corrected by what only this isolate knows: the slots it pools
 * (counted as used by the limiter, still free until one of its requests takes them), and
 * the latency and last use of its own requests.
 */
import type { ModelView } from "./limiter-types";

const EWMA_WEIGHT = 0.2;

export class LocalViews {
  readonly map = new Map<string, ModelView>();

  /** A view from the limiter, while `pooled` of its counted slots sit unused here. */
  fromLimiter(name: string, view: ModelView, pooled: number): void {
    this.map.set(name, { ...view, freeFraction: Math.min(1, view.freeFraction + pooled * view.slotFraction) });
  }

  /** One of the slots pooled here was taken. */
  took(name: string): void {
    const view = this.map.get(name);
    if (view) view.freeFraction = Math.max(0, view.freeFraction - view.slotFraction);
  }

  /** Whether the last view left at least `slots` slots (or no request limit at all). */
  atLeast(name: string, slots: number): boolean {
    const view = this.map.get(name);
    return view !== undefined && (view.slotFraction === 0 || view.freeFraction >= slots * view.slotFraction);
  }

  observed(name: string, now: number, latencyMs: number | undefined): void {
    const view = this.map.get(name) ?? { freeFraction: 1, slotFraction: 0, latencyMs: null, lastUsedAt: 0, breaker: "closed" as const };
    view.lastUsedAt = now;
    if (latencyMs !== undefined) view.latencyMs = view.latencyMs === null ? latencyMs : view.latencyMs + EWMA_WEIGHT * (latencyMs - view.latencyMs);
    this.map.set(name, view);
  }
}
