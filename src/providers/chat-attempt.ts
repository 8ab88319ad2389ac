/**
 * How dispatch tries one chat model: translate the request for the model's provider
 * (its adapter, its target and key), then send it. Chat routes and health probes try
 * models the same way; this is the one place that assembles an attempt from the adapter
 * registry, the target and the upstream call. A route whose protocol a provider speaks
 * natively may pass its request through instead (relay.ts), per target: the attempt is
 * then built by `relayFor`, and everything else about it (keys, limits, retries,
 * deadlines) stays the same.
 */
import type { ResolvedModel } from "../config/catalog";
import type { Protocol } from "../config/schema";
import type { Bindings } from "../env";
import type { ChatRequest } from "../openai/chat-request";
import type { Attempt } from "../routing/dispatch";
import { credentialRejected } from "./credentials";
import { adapterFor } from "./registry";
import type { PreparedRelay } from "./relay";
import { upstreamTarget } from "./target";
import type { UpstreamTarget } from "./types";
import { type CallOptions, type PreparedChat, prepareChat, sendChat } from "./upstream-call";

/** The attempt passed through for a target that takes the client's own request, else undefined. */
export type RelayFor = (model: ResolvedModel, target: UpstreamTarget) => PreparedRelay | undefined;

/** `requestFor` gives the request to send to a provider of each type; `call` the options every attempt shares. */
export function chatAttempt(
  env: Bindings,
  requestFor: (protocol: Protocol) => ChatRequest,
  call: Omit<CallOptions, "deadline" | "deadlineMs">,
  relayFor?: RelayFor,
): Attempt<PreparedChat | PreparedRelay> {
  return {
    prepare: (m) => {
      const target = upstreamTarget(m, env);
      return relayFor?.(m, target) ?? prepareChat(adapterFor(m.providerConfig.type), requestFor(m.providerConfig.type), target);
    },
    send: (prepared, _model, bounds) => sendChat(prepared, { ...call, ...bounds }),
    rejected: (prepared, key, status) => credentialRejected(prepared.target, key, status),
  };
}
