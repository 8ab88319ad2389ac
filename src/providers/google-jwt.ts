/**
 * Google service accounts (Vertex AI): the JSON key's PEM private key signs an RS256 JWT
 * with WebCrypto, which the JSON's `token_uri` exchanges for an access token. No Node-only
 * library: the Workers runtime signs it. The imported key is kept per JSON, so each
 * refresh only signs.
 */
import { ConfigurationError } from "../errors";

const CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";
const keys = new Map<string, { email: string; tokenUri: string; key: Promise<CryptoKey> }>();

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const utf8 = (text: string) => new TextEncoder().encode(text);

function loaded(json: string) {
  let account = keys.get(json);
  if (account) return account;
  let parsed: { client_email?: unknown; private_key?: unknown; token_uri?: unknown };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    parsed = {};
  }
  const { client_email: email, private_key: pem, token_uri: tokenUri = "https://oauth2.googleapis.com/token" } = parsed;
  if (typeof email !== "string" || typeof pem !== "string" || typeof tokenUri !== "string") {
    throw new ConfigurationError("the service-account JSON lacks client_email or private_key");
  }
  const der = Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
  const key = crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  account = { email, tokenUri, key };
  keys.set(json, account);
  return account;
}

/** A signed JWT asking for `scopes`, valid for an hour, and where to exchange it. */
export async function serviceAccountAssertion(json: string, scopes: readonly string[]): Promise<{ assertion: string; tokenUri: string }> {
  const { email, tokenUri, key } = loaded(json);
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: email, scope: (scopes.length ? scopes : [CLOUD_PLATFORM]).join(" "), aud: tokenUri, iat, exp: iat + 3600 };
  const unsigned = `${b64url(utf8(JSON.stringify({ alg: "RS256", typ: "JWT" })))}.${b64url(utf8(JSON.stringify(claims)))}`;
  const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", await key, utf8(unsigned)));
  return { assertion: `${unsigned}.${b64url(signature)}`, tokenUri };
}
