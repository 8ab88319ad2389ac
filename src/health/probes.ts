/**
 * Optional health probes (Cron Trigger + HEALTH_PROBES=on): each run sends one tiny
 * request to every chat model whose breaker is not closed, through the normal path, so
 * quota counts it and the limiter decides: while the cooldown lasts the limiter refuses
 * it, and once the breaker is half-open it becomes the single probe whose success closes
 * the circuit. Models recover without a user's request being the one that tests them.
 */
import { logLine } from "../observability/log-line";
import { catalog, type ResolvedModel } from "../config/catalog";
import { settingsFor } from "../config/settings";
import type { Bindings } from "../env";
import { quotaClient, quotaContext } from "../limits/quota-client";
import type { ChatRequest } from "../openai/chat-request";
import { chatAttempt } from "../providers/chat-attempt";
import { dispatch } from "../routing/dispatch";

const PROBE: ChatRequest = { messages: [{ role: "user", content: "Reply with OK." }], max_tokens: 1 };

export interface ProbeResult {
  model: string;
  outcome: "recovered" | "failed" | "not_yet";
}

export async function runHealthProbes(env: Bindings, waitUntil: (p: Promise<unknown>) => void): Promise<ProbeResult[]> {
  if (env.HEALTH_PROBES !== "on") return [];
  const ctx = quotaContext(env, waitUntil);
  const settings = settingsFor(env);
  const chatModels = [...catalog.models.values()].filter((m) => m.type === "chat");
  const statuses = await quotaClient.statuses(chatModels.map((m) => m.providerId), ctx);
  const unhealthy = new Set(statuses.flatMap((s) => s.models.filter((m) => m.breaker !== "closed").map((m) => m.name)));
  const results: ProbeResult[] = [];
  for (const model of chatModels.filter((m) => unhealthy.has(m.name))) results.push({ model: model.name, outcome: await probe(model, env, settings, ctx) });
  if (results.length) logLine("info", { msg: "health probes", results });
  return results;
}

async function probe(model: ResolvedModel, env: Bindings, settings: ReturnType<typeof settingsFor>, ctx: ReturnType<typeof quotaContext>): Promise<ProbeResult["outcome"]> {
  try {
    const { output } = await dispatch(
      { requested: model.name, candidates: [model], strategy: "fixed", maxWaitMs: 0 },
      // One attempt: a probe that fails must not be retried into a second probe.
      { estimatedTokens: 10, settings: { ...settings, retry: { ...settings.retry, maxAttempts: 1 } }, quota: quotaClient, ctx },
      chatAttempt(env, () => PROBE, { promptTokens: 10, maxBodyBytes: settings.maxUpstreamBodyBytes }),
    );
    await output.response.arrayBuffer();
    return "recovered";
  } catch (err) {
    // Refused by the limiter (still cooling down) is not a failed probe.
    const status = (err as { status?: number }).status;
    return status === 503 || status === 429 ? "not_yet" : "failed";
  }
}
