/**
 * Fills in what models.yaml leaves to the deployment: `${VAR}` placeholders in base_url
 * (and a token_url), the provider keys named by api_key_env, and the secrets a token is
 * fetched with. A missing variable is a deployment error, reported by name and never by
 * value. Resolving a target also teaches the redactor this env's provider secrets, so no
 * upstream's echo of one can reach a client or a log. A target with token auth also says
 * where its token is shared: the provider's ProviderLimiter.
 */
import type { ResolvedModel } from "../config/catalog";
import { ConfigurationError } from "../errors";
import { rememberSecrets } from "../security/redact";
import type { TokenGrant, UpstreamTarget } from "./types";

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The Worker's variables, and the limiter namespace whose objects share a provider's tokens. */
type Vars = Readonly<Record<string, unknown>> & { readonly LIMITER?: Env["LIMITER"] };

function variable(env: Vars, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function secret(env: Vars, name: string, providerId: string): string {
  const value = variable(env, name);
  if (value === undefined) throw new ConfigurationError(`the secret ${name} for provider ${providerId} is not set`);
  return value;
}

function filled(url: string, env: Vars, providerId: string, what: string): string {
  return url.replace(PLACEHOLDER, (_, name: string) => {
    const value = variable(env, name);
    if (value === undefined) throw new ConfigurationError(`${what} of provider ${providerId} needs the variable ${name}, which is not set`);
    return value.replace(/\/+$/, "");
  });
}

function grantOf(model: ResolvedModel, env: Vars): TokenGrant | undefined {
  const { providerConfig: p, providerId } = model;
  const auth = p.auth;
  if (auth?.type === "oauth_client_credentials") {
    const basic = btoa(`${secret(env, auth.client_id_env, providerId)}:${secret(env, auth.client_secret_env, providerId)}`);
    const url = filled(auth.token_url, env, providerId, "token_url");
    return { type: auth.type, url, basic, scope: auth.scope, headers: auth.extra_headers, rqUid: p.type === "gigachat" };
  }
  if (auth?.type === "google_service_account") return { type: auth.type, json: secret(env, auth.credentials_env, providerId), scopes: auth.scopes ?? [] };
  return undefined;
}

export function upstreamTarget(model: ResolvedModel, env: Vars): UpstreamTarget {
  const { providerConfig: provider, providerId } = model;
  rememberSecrets(env);
  const baseUrl = filled(provider.base_url, env, providerId, "base_url");
  const keys = (provider.api_key_env ?? []).map((name) => secret(env, name, providerId));
  const grant = grantOf(model, env);
  if (!grant) return { model, baseUrl, keys };
  const limiters = env.LIMITER;
  return limiters ? { model, baseUrl, keys, grant, tokenDesk: () => limiters.getByName(providerId) } : { model, baseUrl, keys, grant };
}
