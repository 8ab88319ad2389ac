/**
 * How the dashboard writes times and counts: countdowns as m:ss (h:mm:ss, or days and hours
 * when long), latencies in ms or s, and large counts as 12.5k or 3M so cards stay narrow.
 */

/** A countdown's text for `ms` milliseconds. */
export function span(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 86400) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

export const millis = (v: number | null) => (v === null ? "–" : v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const short = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).replace(/\.0$/, "");
export const count = (n: number) => (n < 10000 ? String(n) : n < 1e6 ? `${short(n / 1e3)}k` : `${short(n / 1e6)}M`);
