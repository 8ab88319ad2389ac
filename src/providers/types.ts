/**
 * The contract every wire protocol implements. Adapters only translate: they build the
 * upstream HTTP request from an OpenAI chat request and turn the upstream's answer back
 * into OpenAI shapes. Fetching, timeouts and error classification are shared
 * (upstream-call.ts); choosing the model is routing's job.
 */
import type { ResolvedModel } from "../config/catalog";
import type { ChatRequest } from "../openai/chat-request";
import type { ChatCompletion, ChatCompletionChunk } from "../openai/chat-response";
import type { SseEvent } from "../stream/sse-parser";
import type { TokenDeskRemote, TokenGrant } from "./token-types";

export type { TokenGrant } from "./token-types";

/**
 * A model plus what it takes to call it: base URL with placeholders filled, its keys or
 * where to fetch a token. Adapters never send them: credentials.ts adds one when sending.
 */
export interface UpstreamTarget {
  readonly model: ResolvedModel;
  readonly baseUrl: string;
  /** api_key_env's keys: none, one, or a pool. */
  readonly keys: readonly string[];
  readonly grant?: TokenGrant;
  /** With a grant: the provider's Durable Object, which shares its token with every isolate. */
  readonly tokenDesk?: () => TokenDeskRemote;
}

export interface UpstreamHttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What a translated response needs to look like one OpenAI completion. */
export interface ResponseContext {
  /** Provider id from models.yaml, for the typed errors a translator raises. */
  readonly provider: string;
  readonly id: string;
  readonly created: number;
  /** The upstream model id, used until the upstream reports its own. */
  readonly model: string;
  readonly includeUsage: boolean;
}

/** OpenAI-compatible upstreams: the request is forwarded with `model` rewritten, the answer piped back as is. */
export interface PassthroughAdapter {
  readonly kind: "passthrough";
  buildRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest;
}

/** Other protocols: both directions are translated. */
export interface TranslatingAdapter {
  readonly kind: "translate";
  /** Throws InvalidRequestError for parameters the protocol cannot express. */
  buildRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest;
  parseResponse(body: unknown, ctx: ResponseContext): ChatCompletion;
  /**
   * Upstream SSE events in, OpenAI chunks out; emits the usage chunk when ctx.includeUsage.
   * Synchronous: enqueue chunks, throw a typed UpstreamError to fail. Run by
   * src/stream/translate-stream.ts, never chained as a TransformStream on the request path.
   */
  streamTransformer(ctx: ResponseContext): Transformer<SseEvent, ChatCompletionChunk>;
}

export type ChatAdapter = PassthroughAdapter | TranslatingAdapter;
