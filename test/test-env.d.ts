// Bindings only the workerd tests have, given by vitest.config.ts: the simulator's loopback
// URL (test/models.test.yaml's ${UPSTREAM}), client keys and the simulated providers' keys.
declare namespace Cloudflare {
  interface Env {
    UPSTREAM: string;
    PROXY_API_KEYS: string;
    SIM_OPENAI_KEY: string;
    SIM_GEMINI_KEY: string;
    SIM_ANTHROPIC_KEY: string;
  }
}
