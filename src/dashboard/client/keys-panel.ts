/**
 * A key pool's keys on its model's card, as /v1/status reports them per key: each by its
 * fingerprint (`…a1b2`, a hash, never the key), with its state (benched after the provider
 * rejected it, breaker, cooling down) and its own limit bars, so a user sees which key is
 * failing or full. Text goes in through textContent only.
 */
import type { StatusKey, StatusUsage } from "../../routes/status-body";
import { add, el } from "./dom";

const after = (until: string | null, now: number): until is string => until !== null && Date.parse(until) > now;

export function keyRows(keys: readonly StatusKey[], now: number, countdown: (until: string, prefix: string) => HTMLElement, bars: (usage: StatusUsage) => HTMLElement): HTMLElement {
  const list = el("div", "keys");
  for (const k of keys) {
    const benched = after(k.benched_until, now);
    const cooling = after(k.cooldown_until, now);
    const state = benched ? "benched" : k.breaker !== "closed" ? k.breaker : cooling ? "cooling" : "ready";
    const row = el("div", `keyrow ${state}`);
    row.dataset.key = k.key;
    row.dataset.state = state;
    add(row, add(el("div", "top"), el("span", "fp", `key ${k.key}`), el("span", `badge ${state}`, state.replace("_", " "))));
    if (benched) row.append(countdown(k.benched_until!, "Rejected by the provider, tried again in "));
    else if (cooling) row.append(countdown(k.cooldown_until!, k.breaker === "open" ? "Breaker open, retry in " : "Cooling down, ready in "));
    if (Object.keys(k.usage).length) row.append(bars(k.usage));
    list.append(row);
  }
  return list;
}
