/**
 * Anthropic's own count for POST /v1/messages/count_tokens, when the model asked for is
 * served by an `anthropic`-type provider: the client's body goes to the provider's
 * `/v1/messages/count_tokens` with only `model` changed (spliced into the client's text:
 * json-splice.ts), and its `input_tokens` is the
 * answer. Anthropic does not count these calls against the Messages rate limits (they
 * have a limit of their own), so no quota is reserved or spent for them. Any failure
 * gives undefined, and the route answers its estimate instead. Anthropic on Vertex AI has
 * no count_tokens path under the model, so a Vertex provider gets the estimate at once.
 */
import type { ResolvedModel } from "../../config/catalog";
import { authorize } from "../credentials";
import { clientJson } from "../json-splice";
import { upstreamTarget } from "../target";
import { openUpstream, readBody, timeoutOf, UpstreamExchange } from "../upstream-reader";
import { ANTHROPIC_VERSION, onVertex } from "./wire";

const COUNT_TIMEOUT_MS = 10_000;
/** `{"input_tokens": N}` is a few bytes; anything much larger is not that. */
const MAX_COUNT_BODY_BYTES = 4096;

export async function providerTokenCount(model: ResolvedModel, env: Readonly<Record<string, unknown>>, body: Record<string, unknown>, signal?: AbortSignal): Promise<number | undefined> {
  const provider = model.providerId;
  const ex = new UpstreamExchange({ provider, signal });
  ex.arm(COUNT_TIMEOUT_MS, timeoutOf(provider, COUNT_TIMEOUT_MS, "response"));
  try {
    const target = upstreamTarget(model, env);
    if (onVertex(target.baseUrl)) return undefined;
    const headers = { "content-type": "application/json", "anthropic-version": ANTHROPIC_VERSION, ...model.providerConfig.headers };
    const spec = { url: `${target.baseUrl}/v1/messages/count_tokens`, headers, body: clientJson(body, { model: model.model }) };
    const res = await openUpstream(ex, await authorize(spec, target));
    const answer = JSON.parse(new TextDecoder().decode(await readBody(ex, res, MAX_COUNT_BODY_BYTES))) as { input_tokens?: unknown };
    const n = answer?.input_tokens;
    return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  } finally {
    ex.release();
  }
}
