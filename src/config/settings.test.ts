import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors";
import { parseSettings, settingsFor } from "./settings";

describe("settings", () => {
  it("has defaults", () => {
    expect(parseSettings({})).toEqual({ retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4000 }, maxBodyBytes: 10 * 1024 * 1024, maxUpstreamBodyBytes: 16 * 1024 * 1024, requestDeadlineMs: 300_000, responsesTtlS: 86_400 });
  });

  it("reads integers from variables", () => {
    const s = parseSettings({ RETRY_MAX_ATTEMPTS: "5", RETRY_BASE_DELAY_MS: "10", RETRY_MAX_DELAY_MS: "20", MAX_BODY_BYTES: "2048", MAX_UPSTREAM_BODY_BYTES: "1048576", RESPONSES_TTL_S: "3600" });
    expect(s).toEqual({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 20 }, maxBodyBytes: 2048, maxUpstreamBodyBytes: 1_048_576, requestDeadlineMs: 300_000, responsesTtlS: 3600 });
  });

  it.each([
    [{ RETRY_MAX_ATTEMPTS: "0" }, "RETRY_MAX_ATTEMPTS"],
    [{ RETRY_MAX_ATTEMPTS: "2.5" }, "RETRY_MAX_ATTEMPTS"],
    [{ RETRY_BASE_DELAY_MS: "-1" }, "RETRY_BASE_DELAY_MS"],
    [{ RETRY_MAX_DELAY_MS: "ten" }, "RETRY_MAX_DELAY_MS"],
    [{ RETRY_BASE_DELAY_MS: "500", RETRY_MAX_DELAY_MS: "100" }, "RETRY_MAX_DELAY_MS"],
    [{ MAX_BODY_BYTES: "12" }, "MAX_BODY_BYTES"],
    [{ MAX_UPSTREAM_BODY_BYTES: "1024" }, "MAX_UPSTREAM_BODY_BYTES"],
    [{ MAX_UPSTREAM_BODY_BYTES: "1073741824" }, "MAX_UPSTREAM_BODY_BYTES"],
    [{ RESPONSES_TTL_S: "59" }, "RESPONSES_TTL_S"],
    [{ RESPONSES_TTL_S: "2592001" }, "RESPONSES_TTL_S"],
  ])("rejects %j naming %s", (env, name) => {
    expect(() => parseSettings(env)).toThrow(ConfigurationError);
    expect(() => parseSettings(env)).toThrow(name);
  });

  it("caches per env object, errors included", () => {
    const env: Record<string, string> = { RETRY_MAX_ATTEMPTS: "4" };
    const first = settingsFor(env);
    expect(first.retry.maxAttempts).toBe(4);
    // Parsed once: a later change to the same object is not read again.
    env.RETRY_MAX_ATTEMPTS = "5";
    expect(settingsFor(env)).toBe(first);

    const bad: Record<string, string> = { RETRY_MAX_ATTEMPTS: "x" };
    const thrown = () => {
      try {
        settingsFor(bad);
      } catch (err) {
        return err;
      }
      throw new Error("settingsFor accepted RETRY_MAX_ATTEMPTS=x");
    };
    const error = thrown();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toContain("RETRY_MAX_ATTEMPTS");
    // The same error object each time, even after the value was fixed: the failure was cached, not parsed again.
    bad.RETRY_MAX_ATTEMPTS = "4";
    expect(thrown()).toBe(error);
  });
});
