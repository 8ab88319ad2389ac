/**
 * Indexes the build-time config once per isolate: models by name, and each size
 * category's models in the order they should be tried. Everything downstream looks
 * models up here instead of walking the raw config.
 */
import { config, configBuiltAt } from "./models.generated";
import type { CategoryConfig, ClientConfig, ModelConfig, ProviderConfig, ProxyConfig } from "./schema";

export interface ResolvedModel extends ModelConfig {
  readonly providerId: string;
  readonly providerConfig: ProviderConfig;
}

export interface Catalog {
  readonly models: ReadonlyMap<string, ResolvedModel>;
  /** Category name -> models in priority order (unset priority last, ties in file order). */
  readonly categories: ReadonlyMap<string, readonly ResolvedModel[]>;
  /** Per-category routing settings; categories not listed use priority order and no wait. */
  readonly categorySettings: ReadonlyMap<string, CategoryConfig>;
  readonly defaultSize: string | undefined;
  /** Exact aliases: client name -> model or category. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Prefix aliases (keys ending in `*`, without it), in file order. */
  readonly aliasPrefixes: ReadonlyArray<readonly [prefix: string, target: string]>;
  /** Named clients' rules (models.yaml `clients`); a client not named here has none. */
  readonly clients: ReadonlyMap<string, ClientConfig>;
  readonly builtAt: number;
}

export function buildCatalog(source: ProxyConfig, builtAt: number): Catalog {
  const models = new Map<string, ResolvedModel>();
  for (const model of source.models) {
    const providerConfig = source.providers[model.provider];
    if (!providerConfig) throw new Error(`config: model ${model.name} names unknown provider ${model.provider}`);
    models.set(model.name, { ...model, providerId: model.provider, providerConfig });
  }
  const rank = (m: ResolvedModel) => m.priority ?? Number.POSITIVE_INFINITY;
  const categories = new Map<string, ResolvedModel[]>();
  for (const model of models.values()) {
    if (!model.size) continue;
    const list = categories.get(model.size) ?? [];
    list.push(model);
    categories.set(model.size, list);
  }
  // Array.prototype.sort is stable, so equal ranks keep file order.
  for (const list of categories.values()) list.sort((a, b) => rank(a) - rank(b));
  const categorySettings = new Map(Object.entries(source.categories ?? {}));
  const aliases = new Map<string, string>();
  const aliasPrefixes: Array<readonly [string, string]> = [];
  for (const [alias, target] of Object.entries(source.aliases ?? {})) {
    if (alias.endsWith("*")) aliasPrefixes.push([alias.slice(0, -1), target]);
    else aliases.set(alias, target);
  }
  return { models, categories, categorySettings, defaultSize: source.default_size, aliases, aliasPrefixes, clients: new Map(Object.entries(source.clients ?? {})), builtAt };
}

export const catalog: Catalog = buildCatalog(config, configBuiltAt);
