import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { redactSecrets, rememberSecrets } from "./redact";

describe("redactSecrets", () => {
  it.each([
    ["Bearer tokens", "Invalid key: Bearer abc.DEF-123_xyz, try again", "Invalid key: Bearer [redacted], try again"],
    ["sk- keys, masked or not", "Incorrect API key provided: sk-proj-****************abcd.", "Incorrect API key provided: [redacted]."],
    ["OpenRouter keys", "key sk-or-v1-0123456789abcdef is disabled", "key [redacted] is disabled"],
    ["key= in a URL", "GET /v1/models?key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY&alt=sse failed", "GET /v1/models?key=[redacted]&alt=sse failed"],
    ["Google API keys", "API key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY not valid", "API key [redacted] not valid"],
    ["x-api-key headers", "header x-api-key: abc123def456 was rejected", "header x-api-key: [redacted] was rejected"],
    ["Groq and Hugging Face tokens", "gsk_abcdefghijklmnop and hf_abcdefghijklmnop", "[redacted] and [redacted]"],
    ["JWTs", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired", "token [redacted] expired"],
  ])("removes %s and keeps the rest", (_, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it("keeps ordinary provider messages as they are", () => {
    for (const text of [
      "Invalid value for 'temperature': expected a number between 0 and 2.",
      "This model's maximum context length is 8192 tokens; max_tokens: 5 is fine.",
      "The model `claude-haiku-4-5` does not exist, task-oriented keys are fine",
      "Token limit exceeded for this request; Basic tier accounts have fewer. Bearer token expired.",
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it("removes the config's provider keys, and any 12-character piece of one, once they are known", () => {
    rememberSecrets(env);
    expect(redactSecrets("you sent sim-anthropic-secret!")).toBe("you sent [redacted]!");
    expect(redactSecrets("key begins sim-anthropi… and sim-gemini-sec")).toBe("key begins [redacted]… and [redacted]");
    // A provider named like a key's words is not a piece of it.
    expect(redactSecrets("Provider simanthropic failed")).toBe("Provider simanthropic failed");
  });
});

describe("redactSecrets twice", () => {
  it("changes nothing the second time", () => {
    const once = redactSecrets("Authorization: Bearer sk-abcdef123456 key=xyz123 x-api-key: abc");
    expect(redactSecrets(once)).toBe(once);
  });
});
