/** A short, stable name for an error in logs: the upstream kind, else the OpenAI code. */
import { type ProxyError, UpstreamError } from "../errors";

export function errorKind(err: ProxyError): string {
  return err instanceof UpstreamError ? err.kind : (err.code ?? err.type);
}
