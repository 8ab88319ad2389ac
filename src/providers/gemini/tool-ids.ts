/**
 * OpenAI tool calls need ids; Gemini function calls have none, and some carry a
 * `thoughtSignature` that Gemini 3 insists on getting back on the same call next turn.
 * OpenAI has no field for it and clients echo only the id, so the signature rides inside
 * the id and is recovered from the assistant message's tool_calls when the history comes
 * back. Keeping it in the id (rather than a KV) keeps the proxy stateless.
 *
 * Format: `call_<n>_<token>` or `call_<n>_<token>_ts_<signature as base64url>`. base64url
 * keeps the id to [A-Za-z0-9_-], which every client and protocol accepts in an id.
 */

const SIGNATURE_MARK = "_ts_";
const ID = /^call_\d+_[A-Za-z0-9]+_ts_([A-Za-z0-9_-]+)$/;

/** A short random token shared by the calls of one response, so ids differ across responses. */
export function responseToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/[^A-Za-z0-9]/g, "").slice(0, 10) || "x";
}

export function toolCallId(n: number, token: string, signature: string | undefined): string {
  const base = `call_${n}_${token}`;
  if (!signature) return base;
  const urlSafe = signature.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `${base}${SIGNATURE_MARK}${urlSafe}`;
}

/** The signature a tool-call id carries, in Gemini's (padded, standard) base64; undefined for foreign ids. */
export function signatureFromId(id: string): string | undefined {
  const match = ID.exec(id);
  if (!match?.[1]) return undefined;
  const standard = match[1].replaceAll("-", "+").replaceAll("_", "/");
  return standard + "=".repeat((4 - (standard.length % 4)) % 4);
}
