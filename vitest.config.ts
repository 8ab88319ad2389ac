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
                PROXY_API_KEYS: "test-key-1, test-key-2",
                SIM_OPENAI_KEY: "sk-sim-openai-secret",
                SIM_GEMINI_KEY: "sim-gemini-secret",
                SIM_ANTHROPIC_KEY: "sim-anthropic-secret",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          // Quota tests may wait for a fresh calendar minute before they start.
          testTimeout: 90_000,
          include: ["src/**/*.test.ts", "test/workers/**/*.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["scripts/**/*.test.ts", "test/node/**/*.test.ts", "test/e2e/**/*.test.ts", "test/isolates/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
