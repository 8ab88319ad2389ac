import { describe, expect, it } from "vitest";
import { compileConfig, formatPath } from "./compile-config";

const good = `
providers:
  openrouter:
    type: openai
    base_url: https://openrouter.ai/api/v1/
    api_key_env: OPENROUTER_API_KEY
    limits: { rpm: 20, rpd: 50 }
  gem: { type: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta" }
  cf: { type: openai, base_url: "https://api.cloudflare.com/client/v4/accounts/\${CF_ACCOUNT}/ai/v1" }
models:
  - name: qwen3-coder
    provider: openrouter
    model: qwen/qwen3-coder:free
    size: BIG
    priority: 1
    limits: { rpm: 20, rph: 200, rpd: 50, tpm: 100000, tpd: 1000000 }
    max_input_tokens: 128000
    fallbacks: [flash]
  - { name: flash, provider: gem, size: SMALL }
default_size: SMALL
`;

function errorFor(yaml: string): string {
  const result = compileConfig(yaml, "models.yaml");
  if (result.ok) throw new Error("expected an error");
  return result.message;
}

describe("compileConfig", () => {
  it("accepts a good file and applies defaults", () => {
    const result = compileConfig(good, "models.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { providers, models, default_size } = result.config;
    expect(providers.openrouter).toEqual({
      type: "openai",
      base_url: "https://openrouter.ai/api/v1",
      api_key_env: ["OPENROUTER_API_KEY"],
      headers: {},
      timeout_ms: 300000,
      ttft_ms: 120000,
      idle_ms: 60000,
      total_ms: 900000,
      limits: { rpm: 20, rpd: 50 },
    });
    expect(models[1]).toEqual({ name: "flash", provider: "gem", model: "flash", size: "SMALL", type: "chat", fallbacks: [] });
    expect(models[0]?.model).toBe("qwen/qwen3-coder:free");
    expect(default_size).toBe("SMALL");
    expect(result.config.categories).toEqual({});
  });

  it("accepts categories, day resets, concurrency caps and costs", () => {
    const yaml = good
      .replace("limits: { rpm: 20, rpd: 50 }", "limits: { rpm: 20, rpd: 50 }\n    day_reset: America/Los_Angeles\n    max_concurrent: 4")
      .replace("size: SMALL }", "size: SMALL, cost: 0.1, max_concurrent: 2, max_wait_ms: 500 }")
      .concat("categories:\n  SMALL: { strategy: cost, max_wait_ms: 2000 }\n  BIG: {}\n");
    const result = compileConfig(yaml, "models.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.categories).toEqual({ SMALL: { strategy: "cost", max_wait_ms: 2000 }, BIG: { strategy: "priority", max_wait_ms: 0 } });
    expect(result.config.providers.openrouter).toMatchObject({ day_reset: "America/Los_Angeles", max_concurrent: 4 });
  });

  it("fills in each image model's image_api from its provider's type unless set", () => {
    const yaml = good.replace(
      "default_size: SMALL",
      [
        "  - { name: gpt-image, provider: openrouter, model: openai/gpt-image-1, type: image }",
        "  - { name: imagen, provider: gem, model: imagen-4.0-generate-001, type: image }",
        "  - { name: nano, provider: gem, model: gemini-2.5-flash-image, type: image }",
        "  - { name: flux, provider: cf, model: \"@cf/black-forest-labs/flux-1-schnell\", type: image, image_api: workers-ai }",
        "default_size: SMALL",
      ].join("\n"),
    );
    const result = compileConfig(yaml, "models.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.models.map((m) => [m.name, m.image_api])).toEqual([
      ["qwen3-coder", undefined],
      ["flash", undefined],
      ["gpt-image", "openai"],
      ["imagen", "gemini-imagen"],
      ["nano", "gemini-generate"],
      ["flux", "workers-ai"],
    ]);
    expect("image_api" in result.config.models[0]!).toBe(false);
  });

  const replace = (from: string, to: string) => good.replace(from, to);

  it.each([
    ["unknown provider", replace("provider: openrouter", "provider: opnrouter"), 'models.yaml: models[0].provider: unknown provider "opnrouter"'],
    ["duplicate model", replace("name: flash", "name: qwen3-coder"), 'models.yaml: models[1].name: duplicate model name "qwen3-coder"'],
    ["name colliding with a category", replace("size: BIG", "size: flash"), 'models.yaml: models[1].name: model name "flash" collides with a size category'],
    ["unknown fallback", replace("fallbacks: [flash]", "fallbacks: [flash, nope]"), 'models.yaml: models[0].fallbacks[1]: unknown model "nope"'],
    ["self fallback", replace("fallbacks: [flash]", "fallbacks: [qwen3-coder]"), "models.yaml: models[0].fallbacks[0]: a model cannot fall back to itself"],
    ["zero limit", replace("rph: 200", "rph: 0"), "models.yaml: models[0].limits.rph: must be a positive integer"],
    ["fractional limit", replace("rpm: 20, rpd: 50", "rpm: 2.5, rpd: 50"), "models.yaml: providers.openrouter.limits.rpm: must be a positive integer"],
    ["string limit", replace("tpm: 100000", "tpm: lots"), "models.yaml: models[0].limits.tpm: must be a positive integer"],
    ["unknown limit key", replace("rph: 200", "rpw: 200"), 'models.yaml: models[0].limits: Unrecognized key: "rpw"'],
    ["unknown protocol", replace("type: gemini", "type: gemeni"), "models.yaml: providers.gem.type: Invalid option"],
    ["bad model type", replace("size: SMALL }", "size: SMALL, type: audio }"), "models.yaml: models[1].type: Invalid option"],
    ["bad URL", replace("https://openrouter.ai/api/v1/", "openrouter.ai"), "models.yaml: providers.openrouter.base_url: must be an http(s) URL"],
    ["bad secret name", replace("OPENROUTER_API_KEY", "openrouter key"), "models.yaml: providers.openrouter.api_key_env: must be a variable name"],
    ["unknown default size", replace("default_size: SMALL", "default_size: HUGE"), 'models.yaml: default_size: no model has size "HUGE"'],
    ["typo in a model key", replace("max_input_tokens", "max_input_tokns"), 'models.yaml: models[0]: Unrecognized key: "max_input_tokns"'],
    ["bad day reset", replace("limits: { rpm: 20, rpd: 50 }", "limits: { rpm: 20, rpd: 50 }\n    day_reset: Mars/Base"), "models.yaml: providers.openrouter.day_reset: must be a time zone"],
    ["unknown category", good + "categories: { HUGE: { strategy: latency } }\n", 'models.yaml: categories.HUGE: no model has size "HUGE"'],
    ["unknown strategy", good + "categories: { BIG: { strategy: fastest } }\n", "models.yaml: categories.BIG.strategy: Invalid option"],
    ["cost strategy without costs", good + "categories: { SMALL: { strategy: cost } }\n", 'models.yaml: categories.SMALL.strategy: strategy "cost" needs a cost on every SMALL model (missing on "flash")'],
    ["negative cost", replace("size: SMALL }", "size: SMALL, cost: -1 }"), "models.yaml: models[1].cost: must be a number >= 0"],
    ["no models", "providers:\n  a: { type: openai, base_url: http://x }\nmodels: []\n", "models.yaml: models: at least one model is required"],
    ["image_api on a chat model", replace("size: SMALL }", "size: SMALL, image_api: openai }"), "models.yaml: models[1].image_api: applies only to models with type: image"],
    ["unknown image_api", replace("size: SMALL }", "size: SMALL, type: image, image_api: dalle }"), "models.yaml: models[1].image_api: Invalid option"],
    [
      "an image model with no image API to default to",
      replace("  gem:", "  claude: { type: anthropic, base_url: https://api.anthropic.com/v1 }\n  gem:").replace("default_size:", "  - { name: pic, provider: claude, type: image }\ndefault_size:"),
      "models.yaml: models[2].image_api: anthropic providers have no image API of their own; set image_api",
    ],
    ["missing providers", "models:\n  - { name: a, provider: b }\n", "models.yaml: providers:"],
    ["an alias naming nothing", good + "aliases: { gpt-4o: flsh }\n", 'models.yaml: aliases.gpt-4o: unknown model or category "flsh"'],
    ["an alias naming an alias", good + "aliases: { a: flash, b: a }\n", 'models.yaml: aliases.b: unknown model or category "a"'],
    ["an alias shadowing a model", good + "aliases: { flash: BIG }\n", 'models.yaml: aliases.flash: "flash" is already a model name'],
    ["an alias shadowing a category", good + "aliases: { SMALL: BIG }\n", 'models.yaml: aliases.SMALL: "SMALL" is already a size category'],
    ["a * inside an alias", good + 'aliases: { "claude-*-sonnet": BIG }\n', "models.yaml: aliases.claude-*-sonnet: a * may only end an alias"],
    ["an empty key pool", replace("api_key_env: OPENROUTER_API_KEY", "api_key_env: []"), "models.yaml: providers.openrouter.api_key_env: must list at least one key"],
    ["a bad name in a key pool", replace("api_key_env: OPENROUTER_API_KEY", "api_key_env: [K1, bad key]"), "models.yaml: providers.openrouter.api_key_env[1]: must be a variable name"],
    ["an unknown quota scope", replace("api_key_env: OPENROUTER_API_KEY", "api_key_env: [K1, K2]\n    quota_scope: project"), "models.yaml: providers.openrouter.quota_scope: Invalid option"],
    ["an unknown auth type", replace("api_key_env: OPENROUTER_API_KEY", "api_key_env: K\n    auth: { type: mtls }"), "models.yaml: providers.openrouter.auth.type: Invalid discriminator value"],
    ["a header auth without its name", replace("api_key_env: OPENROUTER_API_KEY", "api_key_env: K\n    auth: { type: header }"), "models.yaml: providers.openrouter.auth.name:"],
    ["a key and a token auth at once", replace("api_key_env: OPENROUTER_API_KEY", "api_key_env: K\n    auth: { type: google_service_account, credentials_env: SA }"), "models.yaml: providers.openrouter.api_key_env: cannot be used with auth type google_service_account, which fetches its own token"],
    ["a query auth without a key", replace("api_key_env: OPENROUTER_API_KEY", "auth: { type: query, name: key }"), "models.yaml: providers.openrouter.auth: auth type query needs api_key_env"],
    ["an OAuth auth without its secret", replace("api_key_env: OPENROUTER_API_KEY", "auth: { type: oauth_client_credentials, token_url: https://x/t, client_id_env: ID }"), "models.yaml: providers.openrouter.auth.client_secret_env:"],
  ])("reports %s in one line", (_, yaml, expected) => {
    const message = errorFor(yaml);
    expect(message.startsWith(expected), message).toBe(true);
    expect(message).not.toContain("\n");
  });

  it("accepts aliases of models and categories, exact and by prefix, in file order", () => {
    const result = compileConfig(good + 'aliases:\n  gpt-4o: flash\n  "claude-haiku*": SMALL\n  "claude-*": BIG\n', "models.yaml");
    expect(result.ok && Object.entries(result.config.aliases ?? {})).toEqual([
      ["gpt-4o", "flash"],
      ["claude-haiku*", "SMALL"],
      ["claude-*", "BIG"],
    ]);
  });

  it("accepts the pinned credential shapes: a key pool, GigaChat's OAuth, a Vertex service account", () => {
    const yaml = `providers:
  groq:
    type: openai
    base_url: https://api.groq.com/openai/v1
    api_key_env: [GROQ_KEY_1, GROQ_KEY_2]
    quota_scope: key
  giga:
    type: gigachat
    base_url: https://gigachat.devices.sberbank.ru/api/v1
    auth:
      type: oauth_client_credentials
      token_url: https://ngw.devices.sberbank.ru:9443/api/v2/oauth
      scope: GIGACHAT_API_PERS
      client_id_env: GIGACHAT_CLIENT_ID
      client_secret_env: GIGACHAT_CLIENT_SECRET
  vertex:
    type: gemini
    base_url: https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1/publishers/google/models
    auth: { type: google_service_account, credentials_env: GCP_SA_JSON }
  keyed: { type: openai, base_url: https://x/v1, api_key_env: K, auth: { type: header, name: x-api-key } }
models:
  - { name: a, provider: groq }
  - { name: b, provider: giga }
  - { name: c, provider: vertex }
  - { name: d, provider: keyed }
`;
    const result = compileConfig(yaml, "models.yaml");
    expect(result.ok ? "" : result.message).toBe("");
    if (!result.ok) return;
    expect(result.config.providers.groq?.api_key_env).toEqual(["GROQ_KEY_1", "GROQ_KEY_2"]);
    expect(result.config.providers.giga?.auth).toMatchObject({ type: "oauth_client_credentials", scope: "GIGACHAT_API_PERS" });
  });

  it("accepts clients with limits, allow-lists and roles, and names a bad allow-list entry in one line", () => {
    const clients = 'aliases: { gpt-4o: flash }\nclients:\n  ci-bot: { limits: { rpd: 50 }, models: [SMALL, gpt-4o], max_concurrent: 2 }\n  root: { role: admin }\n';
    const result = compileConfig(good + clients, "models.yaml");
    expect(result.ok && result.config.clients).toEqual({
      "ci-bot": { limits: { rpd: 50 }, models: ["SMALL", "gpt-4o"], max_concurrent: 2, role: "client" },
      root: { role: "admin" },
    });
    expect(errorFor(good + "clients:\n  ci-bot: { models: [flash, nope] }\n")).toBe('models.yaml: clients.ci-bot.models[1]: unknown model, category or alias "nope"');
    expect(errorFor(good + "clients:\n  ci-bot: { role: boss }\n")).toMatch(/^models\.yaml: clients\.ci-bot\.role: /);
    expect(errorFor(good + "clients:\n  'a b': {}\n")).toMatch(/^models\.yaml: clients\.a b: must be a client name/);
  });

  it("reports YAML syntax errors with line and column", () => {
    const message = errorFor("providers:\n  a: { type: openai\nmodels: [");
    expect(message).toMatch(/^models\.yaml:\d+:\d+: /);
    expect(message).not.toContain("\n");
  });

  it("rejects duplicate keys", () => {
    expect(errorFor(good.replace("  gem:", "  openrouter:"))).toMatch(/^models\.yaml:\d+:\d+: Map keys must be unique/);
  });

  it("formats paths like the YAML reads", () => {
    expect(formatPath(["models", 3, "limits", "rpm"])).toBe("models[3].limits.rpm");
    expect(formatPath(["providers", "groq", "base_url"])).toBe("providers.groq.base_url");
  });
});
