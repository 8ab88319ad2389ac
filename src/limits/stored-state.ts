/**
 * What a ProviderLimiter loads from SQLite is validated before the ledger trusts it. A row
 * written by an older version, corrupted, or holding a value no clock can show (a
 * cooldown of 9e15 ms made every `/v1/status` answer fail with "Invalid time value", and
 * survived restarts) must not take the object, the status route or the dashboard down:
 * - a row that does not parse or does not have the record's shape is dropped, and the
 *   model or provider starts fresh (its counters at zero, which errs towards serving);
 * - times in the future are clamped to the hint horizon (limits/time-hints.ts), so a
 *   cooldown stored before hints were clamped ends within a day.
 */
import { clampUntil } from "./time-hints";

type Check = (v: unknown) => boolean;
const time: Check = (v) => typeof v === "number" && Number.isFinite(v);
const count: Check = (v) => time(v) && (v as number) >= 0;
const nullable = (c: Check): Check => (v) => v === null || c(v);
const list = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const record = (c: Check): Check => (v) => !!v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every(c);
const shape = (fields: Record<string, Check>, optional = false): Check => (v) =>
  !!v && typeof v === "object" && !Array.isArray(v) && Object.entries(fields).every(([k, c]) => (optional && (v as Record<string, unknown>)[k] === undefined) || c((v as Record<string, unknown>)[k]));
const counters = record(shape({ start: time, used: count }));

const modelRecord = shape(
  {
    counters,
    breaker: shape({ open: (v) => typeof v === "boolean", openUntil: time, reopens: count, streak: count, recent: list(time), probeSince: nullable(time) }),
    cooldownUntil: time,
    inflight: list(time),
    latencyMs: nullable(count),
    lastUsedAt: time,
    recent: list((v) => Array.isArray(v) && v.length === 3 && time(v[0]) && count(v[1]) && count(v[2])),
    latencies: list(count),
    cost: shape({ inputRatio: nullable(count), outputTokens: nullable(count) }),
  },
  true,
);
const providerRecord = shape({ counters, exhaustedUntil: time, inflight: list(time), pools: record(time), bench: shape({ until: time, ms: count }) }, true);

function parse(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A stored model record, validated and with its times clamped; undefined when there is none or it is bad. */
export function storedModel(raw: string | undefined, now: number): Record<string, unknown> | undefined {
  const rec = parse(raw) as { cooldownUntil?: number; breaker?: { openUntil: number } } | undefined;
  if (!modelRecord(rec) || !rec) return undefined;
  if (rec.cooldownUntil !== undefined) rec.cooldownUntil = clampUntil(rec.cooldownUntil, now);
  if (rec.breaker) rec.breaker.openUntil = clampUntil(rec.breaker.openUntil, now) ?? 0;
  return stripUndefined(rec);
}

/** A stored provider record, validated and with its times clamped; undefined when there is none or it is bad. */
export function storedProvider(raw: string | undefined, now: number): Record<string, unknown> | undefined {
  const rec = parse(raw) as { exhaustedUntil?: number; pools?: Record<string, number>; bench?: { until: number } } | undefined;
  if (!providerRecord(rec) || !rec) return undefined;
  if (rec.exhaustedUntil !== undefined) rec.exhaustedUntil = clampUntil(rec.exhaustedUntil, now);
  if (rec.bench) rec.bench.until = clampUntil(rec.bench.until, now) ?? 0;
  if (rec.pools) rec.pools = Object.fromEntries(Object.entries(rec.pools).map(([pool, until]) => [pool, clampUntil(until, now) ?? 0]));
  return stripUndefined(rec);
}

function stripUndefined(rec: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rec).filter(([, v]) => v !== undefined));
}
