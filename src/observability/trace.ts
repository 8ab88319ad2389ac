/**
 * W3C trace context: keep the client's trace (a valid incoming `traceparent`) or start
 * one, and give the upstream call its own span under it, so a request can be followed
 * from the client through the proxy to the provider.
 */
export interface TraceContext {
  traceId: string;
  /** This proxy hop's span, the parent of the upstream call. */
  spanId: string;
  /** The client's span, when it sent one. */
  parentId: string | null;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export function traceFrom(header: string | undefined): TraceContext {
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  const valid = m && !/^0+$/.test(m[1]!) && !/^0+$/.test(m[2]!);
  return {
    traceId: valid ? m[1]! : randomHex(16),
    spanId: randomHex(8),
    parentId: valid ? m[2]! : null,
    sampled: valid ? (Number.parseInt(m[3]!, 16) & 1) === 1 : true,
  };
}

/** The `traceparent` to send upstream: same trace, this hop's span as the parent. */
export function traceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.sampled ? "01" : "00"}`;
}
