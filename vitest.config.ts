import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Every request writes a JSON log line; they are asserted where they matter, and would
    // bury the test report everywhere else.
    onConsoleLog: (log) => !log.startsWith('{"level":'),
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                UPSTREAM: `http://127.0.0.1:${inject("upstreamPort")}`,
                // Bare keys (named by fingerprint), and named clients with rules in test/models.test.yaml.
                PROXY_API_KEYS: "test-key-1, test-key-2, cl-one:sk-cl-one-0123456789, cl-two:sk-cl-two-0123456789, cl-burst:sk-cl-burst-0123456789, cl-narrow:sk-cl-narrow-0123456789, cl-admin:sk-cl-admin-0123456789, cl-conc:sk-cl-conc-0123456789, cl-tokens:sk-cl-tokens-0123456789, cl-ctmix:sk-cl-ctmix-0123456789, cl-ctopen:sk-cl-ctopen-0123456789",
                SIM_OPENAI_KEY: "sk-sim-openai-secret",
                SIM_GEMINI_KEY: "sim-gemini-secret",
                SIM_ANTHROPIC_KEY: "sim-anthropic-secret",
                // Key pools, token auth (test/workers/credentials*.test.ts; the client id and secret are oauth.ts's).
                POOL_KEY_1: "sk-pool-first-0123456789",
                POOL_KEY_2: "sk-pool-second-0123456789",
                POOL_REVOKED: "revoked-pool-key-0123456789",
                POOL_FAILING: "failing-pool-key-0123456789",
                GIGA_CLIENT_ID: "sim-giga-client",
                GIGA_CLIENT_SECRET: "sim-giga-client-secret-42",
                GCP_SA_JSON: inject("gcpSaJson"),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          sequence: { groupOrder: 0 },
          // Quota tests may wait for a fresh calendar minute before they start.
          testTimeout: 90_000,
          include: ["src/**/*.test.ts", "test/workers/**/*.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
          setupFiles: ["./test/workers/moved-clock-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          // After the workerd suites, one file at a time: the end-to-end tests run wrangler,
          // whose [build] step rewrites src/config/models.generated.ts (the demo's test with
          // the demo's config), which neither the workerd suites nor another running
          // `wrangler dev` (it rebuilds on change) may see change under them.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          include: ["scripts/**/*.test.ts", "test/node/**/*.test.ts", "test/e2e/**/*.test.ts", "test/isolates/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
