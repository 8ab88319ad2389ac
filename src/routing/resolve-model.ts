/**
 * What a request's `model` means: a configured model name selects that model, then its
 * `fallbacks`; a size category (or no model, when default_size is set) selects the
 * category's models, to be ordered by the category's strategy. Any other name may be an
 * alias (models.yaml `aliases`): exact aliases first, then prefix aliases in file order,
 * each standing for a model or category, so clients with their own model names (coding
 * agents) route without being reconfigured. Only models of the request's type (chat,
 * image, embedding) are candidates; a model or category of another type is a 400 naming it.
 */
import { type Catalog, catalog as defaultCatalog, type ResolvedModel } from "../config/catalog";
import type { MODEL_TYPES, Strategy } from "../config/schema";
import { InvalidRequestError, NotFoundError } from "../errors";

export interface Resolution {
  readonly requested: string;
  /** Candidates in priority order (named model first, then its fallbacks). */
  readonly candidates: readonly ResolvedModel[];
  /** How to order candidates at request time; "fixed" keeps a named model's order. */
  readonly strategy: Strategy | "fixed";
  /** How long the request may wait for quota to free. */
  readonly maxWaitMs: number;
}

/** The model or category an alias stands for; undefined when `name` is no alias. */
export function aliasTarget(name: string, catalog: Catalog = defaultCatalog): string | undefined {
  const exact = catalog.aliases.get(name);
  if (exact !== undefined) return exact;
  for (const [prefix, target] of catalog.aliasPrefixes) if (name.startsWith(prefix)) return target;
  return undefined;
}

export function resolveModel(
  requested: string | undefined,
  type: (typeof MODEL_TYPES)[number],
  catalog: Catalog = defaultCatalog,
): Resolution {
  const name = requested ?? catalog.defaultSize;
  if (name === undefined) {
    throw new InvalidRequestError("You must provide a model parameter.", { param: "model", code: "missing_model" });
  }
  const mismatch = (what: string) => new InvalidRequestError(`${what}; it cannot serve ${type} requests.`, { param: "model", code: "model_type_mismatch" });
  const model = catalog.models.get(name);
  if (model) {
    if (model.type !== type) throw mismatch(`The model '${name}' is ${/^[aeiou]/.test(model.type) ? "an" : "a"} ${model.type} model`);
    const fallbacks = model.fallbacks.flatMap((f) => {
      const m = catalog.models.get(f);
      return m && m.type === type ? [m] : [];
    });
    return { requested: name, candidates: [model, ...fallbacks], strategy: "fixed", maxWaitMs: model.max_wait_ms ?? 0 };
  }
  const category = catalog.categories.get(name)?.filter((m) => m.type === type);
  if (category?.length) {
    const settings = catalog.categorySettings.get(name);
    return { requested: name, candidates: category, strategy: settings?.strategy ?? "priority", maxWaitMs: settings?.max_wait_ms ?? 0 };
  }
  if (category) throw mismatch(`The category '${name}' has only ${[...new Set(catalog.categories.get(name)!.map((m) => m.type))].join(" and ")} models`);
  // Names come before aliases, so an alias never shadows a model; the build refuses an
  // alias naming another alias, so this recursion is one level deep.
  const target = aliasTarget(name, catalog);
  if (target !== undefined) return resolveModel(target, type, catalog);
  throw new NotFoundError(`The model '${name}' does not exist.`, "model_not_found", "model");
}
