/**
 * What a named client may do (models.yaml `clients`): which models it may use, whether it
 * has limits of its own (and so must ask its ClientLimiter before each request), and its
 * role. An allow-list of models, categories and aliases is expanded once per isolate into
 * the set of model names it covers, so narrowing a request's candidates is a set lookup.
 */
import { type Catalog, catalog as defaultCatalog } from "../config/catalog";
import type { ClientConfig } from "../config/schema";
import { ProxyError } from "../errors";
import { aliasTarget, type Resolution } from "../routing/resolve-model";

export interface ClientRules {
  readonly config: ClientConfig | undefined;
  /** Model names it may use; null: every model. */
  readonly allowed: ReadonlySet<string> | null;
  /** Whether its ClientLimiter must admit each request (limits or max_concurrent). */
  readonly limited: boolean;
  readonly admin: boolean;
}

/** The models a model name, category or alias (exact, or a prefix alias as written) stands for. */
function membersOf(name: string, catalog: Catalog): string[] {
  if (catalog.models.has(name)) return [name];
  const category = catalog.categories.get(name);
  if (category) return category.map((m) => m.name);
  const target = name.endsWith("*") ? catalog.aliasPrefixes.find(([p]) => `${p}*` === name)?.[1] : aliasTarget(name, catalog);
  return target === undefined ? [] : membersOf(target, catalog);
}

const cache = new Map<string, ClientRules>();

export function rulesFor(client: string, catalog: Catalog = defaultCatalog): ClientRules {
  let rules = catalog === defaultCatalog ? cache.get(client) : undefined;
  if (!rules) {
    const config = catalog.clients.get(client);
    rules = {
      config,
      allowed: config?.models ? new Set(config.models.flatMap((m) => membersOf(m, catalog))) : null,
      limited: config?.max_concurrent !== undefined || Object.keys(config?.limits ?? {}).length > 0,
      admin: config?.role === "admin",
    };
    if (catalog === defaultCatalog) cache.set(client, rules);
  }
  return rules;
}

export const mayUse = (rules: ClientRules, model: string) => rules.allowed === null || rules.allowed.has(model);

/** Whether a model name, category or alias leads to some model the client may use. */
export const mayAsk = (rules: ClientRules, name: string, catalog: Catalog = defaultCatalog) => rules.allowed === null || membersOf(name, catalog).some((m) => rules.allowed!.has(m));

/**
 * A resolution cut down to the models the client may use: a named model must itself be
 * allowed (its fallbacks are narrowed), a category keeps its allowed members. Nothing left
 * is a 403 naming the model, in the route's error shape.
 */
export function narrow(resolution: Resolution, rules: ClientRules, asked = resolution.requested): Resolution {
  if (rules.allowed === null) return resolution;
  const candidates = resolution.candidates.filter((m) => mayUse(rules, m.name));
  const named = resolution.strategy === "fixed" && !mayUse(rules, resolution.candidates[0]!.name);
  if (named || candidates.length === 0) {
    throw new ProxyError(`This client key may not use the model '${asked}'.`, { status: 403, type: "permission_error", code: "model_not_allowed", param: "model" });
  }
  return candidates.length === resolution.candidates.length ? resolution : { ...resolution, candidates };
}
