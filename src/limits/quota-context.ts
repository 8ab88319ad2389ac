/**
 * What a request path hands the quota client: the limiter namespace and the request's
 * waitUntil. Apart from limiter-types.ts, whose plain data the Node side (the dashboard's
 * types, the benchmark) reads too, because this one names the Worker's bindings.
 */
export interface QuotaContext {
  limiter: Env["LIMITER"];
  waitUntil(promise: Promise<unknown>): void;
  /** The Worker's variables: a key pool's keys are told apart by their fingerprints. */
  env?: Readonly<Record<string, unknown>>;
}
