/**
 * The one schema for models.yaml. It runs at build time only (scripts/build-config.ts):
 * the Worker imports the already-validated output as a plain object, so neither this
 * zod schema nor a YAML parser ships in the bundle. Types for the rest of the code come
 * from `z.output` here, never from hand-written interfaces.
 */
import { z } from "zod";
import { CLIENT_NAME } from "./client-name";
import { parseDayReset } from "./day-reset";
import { checkEmbeddingModels, defaultEmbeddingApi, EMBEDDING_APIS, TASK_TYPES } from "./embedding-rules";

const positiveInt = z.number({ error: "must be a positive integer" }).int({ error: "must be a positive integer" }).positive({ error: "must be a positive integer" });

export const limitsSchema = z
  .strictObject({
    rpm: positiveInt.optional(),
    rph: positiveInt.optional(),
    rpd: positiveInt.optional(),
    tpm: positiveInt.optional(),
    tpd: positiveInt.optional(),
  })
  .describe("request (rpm/rph/rpd) and token (tpm/tpd) limits");

export const PROTOCOLS = ["openai", "gemini", "anthropic", "gigachat"] as const;
export const MODEL_TYPES = ["chat", "image", "embedding"] as const;
/** How an image model is called: each provider family has its own image API shape. */
export const IMAGE_APIS = ["openai", "together", "gemini-imagen", "gemini-generate", "chat", "workers-ai", "huggingface"] as const;

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name like OPENROUTER_API_KEY");

const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name");

/**
 * How a provider's credential is sent. Without it, the key goes where the protocol expects
 * it (openai: Authorization Bearer, gemini: x-goog-api-key, anthropic: x-api-key). Token
 * types fetch a short-lived access token and send it as a Bearer token.
 */
const authSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("bearer") }),
  z.strictObject({ type: z.literal("header"), name: headerName }),
  z.strictObject({ type: z.literal("query"), name: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a query parameter name") }),
  z.strictObject({
    type: z.literal("oauth_client_credentials"),
    token_url: z.string().regex(/^https?:\/\/[^\s]+$|^\$\{[A-Za-z_][A-Za-z0-9_]*\}[^\s]*$/, "must be an http(s) URL, optionally with ${VAR} placeholders"),
    scope: z.string().min(1).optional(),
    client_id_env: envName,
    client_secret_env: envName,
    extra_headers: z.record(headerName, z.string()).optional(),
  }),
  z.strictObject({ type: z.literal("google_service_account"), credentials_env: envName, scopes: z.array(z.string().min(1)).min(1).optional() }),
]);

const providerSchema = z.strictObject({
  type: z.enum(PROTOCOLS),
  base_url: z
    .string()
    .regex(/^https?:\/\/[^\s]+$|^\$\{[A-Za-z_][A-Za-z0-9_]*\}[^\s]*$/, "must be an http(s) URL, optionally with ${VAR} placeholders")
    .transform((url) => url.replace(/\/+$/, "")),
  /** One secret name, or a list: a key pool, each key its own quota bucket (quota_scope: key). */
  api_key_env: z
    .union([envName, z.array(envName).min(1, "must list at least one key")])
    .transform((v) => (typeof v === "string" ? [v] : v))
    .optional(),
  /** Whether a pool's keys add capacity (key, the default) or share the account's counters (account). */
  quota_scope: z.enum(["key", "account"]).optional(),
  auth: authSchema.optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** Non-streamed requests: time allowed for the whole response. */
  timeout_ms: positiveInt.default(300_000),
  /** Streams: time to the first content, longest silence between chunks, whole stream. */
  ttft_ms: positiveInt.default(120_000),
  idle_ms: positiveInt.default(60_000),
  total_ms: positiveInt.default(900_000),
  /** Streams: time to the response headers; default 30 s (STREAM_HEADERS_MS in upstream-call.ts). */
  headers_ms: positiveInt.optional(),
  limits: limitsSchema.optional(),
  /** When the provider's daily quota resets: "America/Los_Angeles", "07:00 UTC"; default 00:00 UTC. */
  day_reset: z
    .string()
    .refine((v) => parseDayReset(v) !== undefined, 'must be a time zone and/or time, e.g. "America/Los_Angeles" or "07:00 UTC"')
    .optional(),
  max_concurrent: positiveInt.optional(),
  /** When the quota limiter cannot be reached: serve uncounted (open, the default) or refuse (closed). */
  limiter_unreachable: z.enum(["open", "closed"]).optional(),
  /**
   * `openai` providers only: the provider serves OpenAI's Responses API (`{base_url}/responses`)
   * itself, so /v1/responses requests are passed through to it instead of translated.
   */
  responses: z.boolean().optional(),
  /** Let clients' OpenRouter routing fields (`models`, `route`, `provider`) through; by default they are dropped. */
  allow_routing_fields: z.boolean().optional(),
  /** Circuit breaker tuning; `failures: 0` never opens it. */
  breaker: z
    .strictObject({
      failures: z.number().int().nonnegative({ error: "must be an integer >= 0" }).optional(),
      cooldown_ms: positiveInt.optional(),
      max_cooldown_ms: positiveInt.optional(),
    })
    .optional(),
});

const label = z.string().min(1).regex(/^\S+$/, "must not contain spaces");

const modelSchema = z.strictObject({
  name: label,
  provider: z.string(),
  model: z.string().min(1).optional(),
  size: label.optional(),
  type: z.enum(MODEL_TYPES).default("chat"),
  priority: z.number().int().optional(),
  limits: limitsSchema.optional(),
  max_input_tokens: positiveInt.optional(),
  /** Output cap: a client's max_tokens is lowered to it, and set to it when absent. */
  max_output_tokens: positiveInt.optional(),
  /** Most choices (`n`) one request may ask for; default 1. */
  max_choices: positiveInt.optional(),
  /**
   * The provider quota pool the model draws on, when an account-wide quota covers only
   * some models: an exhaustion naming a pool pauses that pool's models only. Models whose
   * upstream id ends in `:free` (OpenRouter's free variants) default to "free".
   */
  quota_pool: label.optional(),
  fallbacks: z.array(z.string()).default([]),
  max_concurrent: positiveInt.optional(),
  /** Relative price (e.g. USD per million tokens) for the `cost` strategy. */
  cost: z.number({ error: "must be a number >= 0" }).nonnegative({ error: "must be a number >= 0" }).optional(),
  /** Per-model overrides of the provider's timeouts. */
  timeout_ms: positiveInt.optional(),
  headers_ms: positiveInt.optional(),
  ttft_ms: positiveInt.optional(),
  idle_ms: positiveInt.optional(),
  total_ms: positiveInt.optional(),
  /** Cache identical requests naming this model for this many seconds (opt-in). */
  cache_ttl: positiveInt.optional(),
  /** How long a request naming this model may wait for quota to free; default 0. */
  max_wait_ms: z.number().int().nonnegative({ error: "must be an integer >= 0" }).optional(),
  /** Image models only: the upstream image API; defaults from the provider's type. */
  image_api: z.enum(IMAGE_APIS).optional(),
  /**
   * Embedding models only. `space`: the vector space its vectors live in; only models of
   * one space may stand in for each other (fallbacks, categories). Default: the model's
   * own name, so it has no substitute. `dimensions`: the length of its vectors, checked
   * against every answer. `task_type`: Gemini's taskType. `batch_size`: most inputs per
   * upstream call, default the API's documented maximum.
   */
  space: label.optional(),
  dimensions: positiveInt.optional(),
  embedding_api: z.enum(EMBEDDING_APIS).optional(),
  task_type: z.enum(TASK_TYPES).optional(),
  batch_size: positiveInt.optional(),
});

/** The image API a provider type implies: Imagen and Gemini image models differ in endpoint. */
function defaultImageApi(protocol: Protocol, model: string): ImageApi | undefined {
  if (protocol === "openai") return "openai";
  if (protocol === "gemini") return /^imagen/.test(model) ? "gemini-imagen" : "gemini-generate";
  return undefined;
}

/** An alias names a model or category, never another alias, and never shadows a real name. */
function checkAliases(aliases: Record<string, string>, names: Set<string>, sizes: Set<string>, ctx: z.RefinementCtx): void {
  for (const [alias, target] of Object.entries(aliases)) {
    const path = ["aliases", alias];
    if (alias.indexOf("*") !== -1 && alias.indexOf("*") !== alias.length - 1) {
      ctx.addIssue({ code: "custom", path, message: "a * may only end an alias (a prefix match)" });
    } else if (names.has(alias) || sizes.has(alias)) {
      ctx.addIssue({ code: "custom", path, message: `"${alias}" is already a ${names.has(alias) ? "model name" : "size category"}` });
    } else if (!names.has(target) && !sizes.has(target)) {
      ctx.addIssue({ code: "custom", path, message: `unknown model or category "${target}"` });
    }
  }
}

export const STRATEGIES = ["priority", "least-used", "latency", "cost"] as const;

const categorySchema = z.strictObject({
  strategy: z.enum(STRATEGIES).default("priority"),
  max_wait_ms: z.number().int().nonnegative({ error: "must be an integer >= 0" }).default(0),
  /** Cache identical requests for this category for this many seconds (opt-in). */
  cache_ttl: positiveInt.optional(),
});

/** A client's rules (models.yaml `clients`): its own limits, the models it may use, its role. */
const clientSchema = z.strictObject({
  limits: limitsSchema.optional(),
  /** Model names, categories and aliases it may use; absent: every model. */
  models: z.array(label).min(1, "must list at least one model, category or alias").optional(),
  max_concurrent: positiveInt.optional(),
  /** An admin sees every client's usage and the whole /v1/status. */
  role: z.enum(["client", "admin"]).default("client"),
});

export const configSchema = z
  .strictObject({
    providers: z.record(label, providerSchema).refine((p) => Object.keys(p).length > 0, "at least one provider is required"),
    models: z.array(modelSchema).min(1, "at least one model is required"),
    default_size: label.optional(),
    categories: z.record(label, categorySchema).default({}),
    /** What clients call a model: exact names, or prefixes ending in `*`, mapped to a model or a category. */
    aliases: z.record(label, label).optional(),
    clients: z.record(z.string(), clientSchema).optional(),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    const sizes = new Set(config.models.flatMap((m) => (m.size ? [m.size] : [])));
    config.models.forEach((model, i) => {
      if (!(model.provider in config.providers)) {
        ctx.addIssue({ code: "custom", path: ["models", i, "provider"], message: `unknown provider "${model.provider}"` });
      }
      if (names.has(model.name)) {
        ctx.addIssue({ code: "custom", path: ["models", i, "name"], message: `duplicate model name "${model.name}"` });
      }
      if (sizes.has(model.name)) {
        ctx.addIssue({ code: "custom", path: ["models", i, "name"], message: `model name "${model.name}" collides with a size category` });
      }
      names.add(model.name);
      const provider = config.providers[model.provider];
      if (model.image_api !== undefined && model.type !== "image") {
        ctx.addIssue({ code: "custom", path: ["models", i, "image_api"], message: "applies only to models with type: image" });
      } else if (model.type === "image" && model.image_api === undefined && provider && !defaultImageApi(provider.type, model.model ?? model.name)) {
        ctx.addIssue({ code: "custom", path: ["models", i, "image_api"], message: `${provider.type} providers have no image API of their own; set image_api` });
      }
    });
    config.models.forEach((model, i) => {
      model.fallbacks.forEach((fallback, j) => {
        if (!config.models.some((m) => m.name === fallback)) {
          ctx.addIssue({ code: "custom", path: ["models", i, "fallbacks", j], message: `unknown model "${fallback}"` });
        } else if (fallback === model.name) {
          ctx.addIssue({ code: "custom", path: ["models", i, "fallbacks", j], message: "a model cannot fall back to itself" });
        }
      });
    });
    for (const [id, p] of Object.entries(config.providers)) {
      const token = p.auth?.type === "oauth_client_credentials" || p.auth?.type === "google_service_account";
      if (token && p.api_key_env) ctx.addIssue({ code: "custom", path: ["providers", id, "api_key_env"], message: `cannot be used with auth type ${p.auth!.type}, which fetches its own token` });
      if ((p.auth?.type === "header" || p.auth?.type === "query" || p.auth?.type === "bearer") && !p.api_key_env) {
        ctx.addIssue({ code: "custom", path: ["providers", id, "auth"], message: `auth type ${p.auth.type} needs api_key_env` });
      }
      if (p.responses && p.type !== "openai") ctx.addIssue({ code: "custom", path: ["providers", id, "responses"], message: `applies only to type: openai providers (this one is ${p.type})` });
    }
    for (const [name, category] of Object.entries(config.categories)) {
      if (!sizes.has(name)) {
        ctx.addIssue({ code: "custom", path: ["categories", name], message: `no model has size "${name}"` });
      } else if (category.strategy === "cost") {
        const unpriced = config.models.find((m) => m.size === name && m.cost === undefined);
        if (unpriced) {
          ctx.addIssue({ code: "custom", path: ["categories", name, "strategy"], message: `strategy "cost" needs a cost on every ${name} model (missing on "${unpriced.name}")` });
        }
      }
    }
    checkEmbeddingModels(config, ctx);
    checkAliases(config.aliases ?? {}, names, sizes, ctx);
    for (const [client, rules] of Object.entries(config.clients ?? {})) {
      if (!CLIENT_NAME.test(client)) ctx.addIssue({ code: "custom", path: ["clients", client], message: "must be a client name (letters, digits, . _ -; at most 64)" });
      rules.models?.forEach((m, i) => {
        if (!names.has(m) && !sizes.has(m) && !(m in (config.aliases ?? {}))) ctx.addIssue({ code: "custom", path: ["clients", client, "models", i], message: `unknown model, category or alias "${m}"` });
      });
    }
    if (config.default_size !== undefined && !sizes.has(config.default_size)) {
      ctx.addIssue({ code: "custom", path: ["default_size"], message: `no model has size "${config.default_size}"` });
    }
  })
  .transform((config) => ({
    ...config,
    models: config.models.map((m) => {
      const model = m.model ?? m.name;
      const imageApi = m.type === "image" ? (m.image_api ?? defaultImageApi(config.providers[m.provider]!.type, model)) : undefined;
      const pool = m.quota_pool ?? (model.endsWith(":free") ? "free" : undefined);
      const embedding: { space?: string; embedding_api?: EmbeddingApi } =
        m.type === "embedding" ? { space: m.space ?? m.name, embedding_api: m.embedding_api ?? defaultEmbeddingApi(config.providers[m.provider]!.type) } : {};
      return { ...m, model, ...(imageApi ? { image_api: imageApi } : {}), ...(pool ? { quota_pool: pool } : {}), ...embedding };
    }),
  }));

export type ProxyConfig = z.output<typeof configSchema>;
export type ProviderConfig = ProxyConfig["providers"][string];
export type ModelConfig = ProxyConfig["models"][number];
export type Limits = z.output<typeof limitsSchema>;
export type AuthConfig = z.output<typeof authSchema>;
export type Protocol = (typeof PROTOCOLS)[number];
export type ImageApi = (typeof IMAGE_APIS)[number];
export type EmbeddingApi = (typeof EMBEDDING_APIS)[number];
export type Strategy = (typeof STRATEGIES)[number];
export type CategoryConfig = ProxyConfig["categories"][string];
export type ClientConfig = NonNullable<ProxyConfig["clients"]>[string];
