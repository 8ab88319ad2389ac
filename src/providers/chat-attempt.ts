/**
 * How dispatch tries one chat model: translate the request for the model's provider
 * (its adapter, its target and key), then send it. Chat routes and health probes try
 * models the same way; this is the one place that assembles an attempt from the adapter
 * registry, the target and the upstream call.
 */
import type { Protocol } from "../config/schema";
import type { Bindings } from "../env";
import type { ChatRequest } from "../openai/chat-request";
import type { Attempt } from "../routing/dispatch";
import { credentialRejected } from "./credentials";
import { adapterFor } from "./registry";
import { upstreamTarget } from "./target";
import { type CallOptions, type PreparedChat, prepareChat, sendChat } from "./upstream-call";

/** `requestFor` gives the request to send to a provider of each type; `call` the options every attempt shares. */
export function chatAttempt(env: Bindings, requestFor: (protocol: Protocol) => ChatRequest, call: Omit<CallOptions, "deadline" | "deadlineMs">): Attempt<PreparedChat> {
  return {
    prepare: (m) => prepareChat(adapterFor(m.providerConfig.type), requestFor(m.providerConfig.type), upstreamTarget(m, env)),
    send: (prepared, _model, bounds) => sendChat(prepared, { ...call, ...bounds }),
    rejected: (prepared, key, status) => credentialRejected(prepared.target, key, status),
  };
}
