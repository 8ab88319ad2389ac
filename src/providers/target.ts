/**
 * Fills in what models.yaml leaves to the deployment: `${VAR}` placeholders in base_url
 * and the provider key named by api_key_env. A missing variable is a deployment error,
 * reported by name and never by value. Resolving a target also teaches the redactor this
 * env's provider keys, so no upstream's echo of one can reach a client or a log.
 */
import type { ResolvedModel } from "../config/catalog";
import { ConfigurationError } from "../errors";
import { rememberSecrets } from "../security/redact";
import type { UpstreamTarget } from "./types";

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

type Vars = Readonly<Record<string, unknown>>;

function variable(env: Vars, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export function upstreamTarget(model: ResolvedModel, env: Vars): UpstreamTarget {
  const { providerConfig: provider, providerId } = model;
  rememberSecrets(env);
  const baseUrl = provider.base_url.replace(PLACEHOLDER, (_, name: string) => {
    const value = variable(env, name);
    if (value === undefined) throw new ConfigurationError(`base_url of provider ${providerId} needs the variable ${name}, which is not set`);
    return value.replace(/\/+$/, "");
  });
  let apiKey: string | undefined;
  if (provider.api_key_env) {
    apiKey = variable(env, provider.api_key_env);
    if (apiKey === undefined) throw new ConfigurationError(`the secret ${provider.api_key_env} for provider ${providerId} is not set`);
  }
  return { model, baseUrl, apiKey };
}
