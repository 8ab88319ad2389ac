/**
 * Key pools: a provider whose `api_key_env` lists several keys. With `quota_scope: key`
 * (the default) each key is a quota bucket of its own: its own ProviderLimiter, named
 * `provider#fingerprint`, so declared limits, rate headers, 429 cooldowns, breakers and
 * account exhaustion are all counted per key with no change to the limiter. With
 * `quota_scope: account` the keys share the provider's one limiter and only rotate when
 * the provider rejects one.
 *
 * A request tries its conversation's key first (the same conversation on the same key
 * keeps the provider's prompt cache hitting), then the others, most headroom first; keys
 * the provider rejected (401/403) are benched here and tried last, and in the key's own
 * limiter, which refuses it to every isolate until the bench ends (provider-ledger.ts). Keys are named by a
 * hash, never by a piece of themselves, so status and logs can show which is which.
 */
import type { ResolvedModel } from "../config/catalog";

/** How long a rejected key sits out before it is tried again, doubling on each rejection. */
export const BENCH_MS = 60_000;
export const BENCH_MAX_MS = 3_600_000;

/** 32-bit FNV-1a: cheap and synchronous; a hash, so nothing of the key can be read back. */
export function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export const fingerprint = (key: string) => fnv(key).toString(16).padStart(8, "0");
/** What /v1/status shows of a key. */
export const shownAs = (fp: string) => `…${fp.slice(-4)}`;

/** One quota bucket of a model: the limiter object that counts it and its name in this isolate's maps. */
export interface Bucket {
  /** Model name, plus `#fingerprint` for a per-key bucket. */
  readonly id: string;
  /** The ProviderLimiter's name. */
  readonly limiter: string;
  /** Index of the key in api_key_env (0 for a provider with one key or none). */
  readonly key: number;
}

type Env = Readonly<Record<string, unknown>> | undefined;
const memo = new WeakMap<object, Map<string, string[]>>();

/** Fingerprints of a provider's keys in this env; empty without a pool. */
export function poolOf(model: ResolvedModel, env: Env): readonly string[] {
  const names = model.providerConfig.api_key_env;
  if (!env || !names || names.length < 2) return [];
  let byProvider = memo.get(env);
  if (!byProvider) memo.set(env, (byProvider = new Map()));
  let fps = byProvider.get(model.providerId);
  if (!fps) byProvider.set(model.providerId, (fps = names.map((n) => fingerprint(String(env[n] ?? "").trim()))));
  return fps;
}

export const perKey = (model: ResolvedModel) => model.providerConfig.quota_scope !== "account";

/** A model's bucket on key `key` of its pool (or its provider's only bucket). */
export function bucketOf(model: ResolvedModel, pool: readonly string[], key: number): Bucket {
  const fp = pool[key];
  if (fp === undefined || !perKey(model)) return { id: model.name, limiter: model.providerId, key };
  return { id: `${model.name}#${fp}`, limiter: `${model.providerId}#${fp}`, key };
}

/** The `#fingerprint` part of a limiter's name, which its models' bucket ids carry too. */
export const suffixOf = (limiter: string) => (limiter.includes("#") ? limiter.slice(limiter.indexOf("#")) : "");

const benched = new Map<string, { until: number; ms: number }>();

/** The provider rejected this key: try the pool's others first for a while, longer each time. */
export function benchKey(model: ResolvedModel, fp: string, now: number): void {
  const id = `${model.providerId}#${fp}`;
  const ms = Math.min(BENCH_MAX_MS, (benched.get(id)?.ms ?? BENCH_MS / 2) * 2);
  benched.set(id, { until: now + ms, ms });
}

export function isBenched(model: ResolvedModel, fp: string, now: number): boolean {
  return (benched.get(`${model.providerId}#${fp}`)?.until ?? 0) > now;
}

/**
 * The order to try a pool's keys in: the conversation's own key first, unless benched;
 * then by `headroom` (higher first); benched keys last.
 */
export function keyOrder(model: ResolvedModel, pool: readonly string[], affinity: string | undefined, headroom: (key: number) => number, now: number): number[] {
  const n = pool.length;
  const sticky = affinity === undefined ? -1 : fnv(affinity) % n;
  const rank = (i: number) => (isBenched(model, pool[i]!, now) ? 2 : i === sticky ? 0 : 1);
  return [...Array(n).keys()].sort((a, b) => rank(a) - rank(b) || headroom(b) - headroom(a));
}
