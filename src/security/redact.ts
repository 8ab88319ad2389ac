/**
 * Secrets never leave the proxy, even when a provider quotes them back ("Invalid key
 * Bearer sk-..."). Every message that reaches a client or a log passes through
 * `redactSecrets`, which removes
 * - the provider keys of the whole config, and any long piece of one (a provider that
 *   echoes half a key still gives half of it away), and
 * - anything shaped like a credential: `Bearer …`, `sk-…` and its cousins, `key=…`,
 *   Google API keys, JWTs,
 * and keeps the rest of the message, which is what makes it useful ("invalid value for
 * temperature").
 *
 * The keys are learnt from the Worker's env the first time an upstream target is resolved
 * (`rememberSecrets`), once per env object, so redaction costs nothing until a message
 * actually needs it.
 */
import { catalog } from "../config/catalog";

/**
 * Pieces of a key this long are redacted wherever they appear: long enough that ordinary
 * words never match one by chance, short enough that no useful part of a key gets out.
 */
const PIECE = 12;
/** Keys shorter than this are too short to search for without mangling ordinary words. */
const MIN_KEY = 6;
const MARK = "[redacted]";

const keys = new Set<string>();
let pieces = new Set<string>();
const seen = new WeakSet<object>();

// Each value pattern refuses to start on a mark, so redacting twice changes nothing.
const NOT_MARKED = "(?!\\[redacted\\])";
const SHAPES: ReadonlyArray<[RegExp, string]> = [
  // A scheme's value must look like a credential (8+ characters, a digit or a symbol in
  // it; a full stop is not enough), so prose such as "token limit exceeded" is left alone.
  [new RegExp(`\\b(Bearer|Basic|Token)\\s+${NOT_MARKED}(?=[^\\s"',;)}\\]]*[0-9_\\-/+=])[^\\s"',;)}\\]]{8,}`, "gi"), `$1 ${MARK}`],
  [/\b(?:sk|rk|pk)-[A-Za-z0-9_*-]{6,}/g, MARK],
  [/\b(?:gsk|hf|xai|ghp|gho|ghu|ghs|github_pat|glpat|r8)_[A-Za-z0-9_*-]{8,}/g, MARK],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, MARK],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, MARK],
  [new RegExp(`\\b(api[_-]?key|access_token|client_secret|token|key|secret|password)=${NOT_MARKED}[^\\s"'&,;)}\\]]+`, "gi"), `$1=${MARK}`],
  [new RegExp(`\\b(x-api-key|x-goog-api-key|api[_-]?key|authorization)(["']?\\s*:\\s*["']?)${NOT_MARKED}[^\\s"',;)}\\]]+`, "gi"), `$1$2${MARK}`],
];

/** Learns the provider keys configured in this env (cheap after the first call per env). */
export function rememberSecrets(env: object): void {
  const vars = env as Readonly<Record<string, unknown>>;
  if (seen.has(env)) return;
  seen.add(env);
  let added = false;
  for (const model of catalog.models.values()) {
    const { api_key_env: names = [], auth } = model.providerConfig;
    const secrets: unknown[] = names.map((name) => vars[name]);
    if (auth?.type === "oauth_client_credentials") secrets.push(vars[auth.client_secret_env]);
    if (auth?.type === "google_service_account") secrets.push(...privateKeyLines(vars[auth.credentials_env]));
    for (const value of secrets) added = learn(value) || added;
  }
  if (added) pieces = piecesOf(keys);
}

function learn(value: unknown): boolean {
  if (typeof value !== "string" || value.trim().length < MIN_KEY || keys.has(value.trim())) return false;
  keys.add(value.trim());
  return true;
}

/** A service account's PEM, line by line: the JSON around it is not secret, and is full of ordinary words. */
function privateKeyLines(json: unknown): string[] {
  try {
    const pem = (JSON.parse(String(json)) as { private_key?: unknown }).private_key;
    return typeof pem === "string" ? pem.split(/\s+/).filter((l) => l.length >= 16 && !l.includes("-")) : [];
  } catch {
    return [];
  }
}

/** A secret fetched at run time (an access token). */
export function rememberSecret(value: string): void {
  if (learn(value)) pieces = piecesOf(keys);
}

function piecesOf(secrets: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const key of secrets) {
    if (key.length < PIECE) continue;
    for (let i = 0; i + PIECE <= key.length; i++) out.add(key.slice(i, i + PIECE));
  }
  return out;
}

/** Marks every stretch of `text` that is a piece of a known key, and replaces each stretch once. */
function redactKeys(text: string): string {
  const hit = new Uint8Array(text.length);
  let any = false;
  for (const key of keys) {
    if (key.length >= PIECE) continue;
    for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
      hit.fill(1, at, at + key.length);
      any = true;
    }
  }
  if (pieces.size > 0) {
    for (let i = 0; i + PIECE <= text.length; i++) {
      if (pieces.has(text.slice(i, i + PIECE))) {
        hit.fill(1, i, i + PIECE);
        any = true;
      }
    }
  }
  if (!any) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (!hit[i]) out += text[i];
    else if (i === 0 || !hit[i - 1]) out += MARK;
  }
  return out;
}

export function redactSecrets(text: string): string {
  let out = keys.size > 0 ? redactKeys(text) : text;
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out;
}
