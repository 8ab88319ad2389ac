/**
 * Which models an image request may use. A model name or size category resolves as for
 * chat; no model, or `all`, means every image model, tried in priority order with the
 * same quota-aware selection and fallback (default_size names a chat category, so it
 * cannot stand in for images).
 */
import { type Catalog, catalog as defaultCatalog } from "../config/catalog";
import { NotFoundError } from "../errors";
import { type Resolution, resolveModel } from "../routing/resolve-model";

export const ALL_IMAGE_MODELS = "all";

export function resolveImageModels(requested: string | undefined, catalog: Catalog = defaultCatalog): Resolution {
  if (requested !== undefined && requested !== ALL_IMAGE_MODELS) return resolveModel(requested, "image", catalog);
  const rank = (priority: number | undefined) => priority ?? Number.POSITIVE_INFINITY;
  // Array.prototype.sort is stable: equal priorities keep file order.
  const candidates = [...catalog.models.values()].filter((m) => m.type === "image").sort((a, b) => rank(a.priority) - rank(b.priority));
  if (candidates.length === 0) throw new NotFoundError("No image models are configured.", "model_not_found", "model");
  return { requested: ALL_IMAGE_MODELS, candidates, strategy: "priority", maxWaitMs: 0 };
}
