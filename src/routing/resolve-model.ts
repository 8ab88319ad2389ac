/**
 * What a request's `model` means: a configured model name selects that model; a size
 * category (or no model, when default_size is set) selects the category's models in
 * priority order. Returns the candidates to try, first choice first.
 */
import { type Catalog, catalog as defaultCatalog, type ResolvedModel } from "../config/catalog";
import type { MODEL_TYPES } from "../config/schema";
import { InvalidRequestError, NotFoundError } from "../errors";

export interface Resolution {
  readonly requested: string;
  /** Candidates in the order to try them. */
  readonly candidates: readonly ResolvedModel[];
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
  const model = catalog.models.get(name);
  if (model) {
    if (model.type !== type) {
      throw new InvalidRequestError(`The model '${name}' is a ${model.type} model; it cannot serve ${type} requests.`, {
        param: "model",
        code: "model_type_mismatch",
      });
    }
    return { requested: name, candidates: [model] };
  }
  const category = catalog.categories.get(name)?.filter((m) => m.type === type);
  if (category?.length) return { requested: name, candidates: category };
  throw new NotFoundError(`The model '${name}' does not exist.`, "model_not_found", "model");
}
