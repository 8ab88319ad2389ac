import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors";
import { parseSettings, settingsFor } from "./settings";

describe("settings", () => {
  it("has defaults", () => {
    expect(parseSettings({})).toEqual({ retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4000 }, maxBodyBytes: 10 * 1024 * 1024, maxUpstreamBodyBytes: 16 * 1024 * 1024, requestDeadlineMs: 300_000 });
  });

  it("reads integers from variables", () => {
    const s = parseSettings({ RETRY_MAX_ATTEMPTS: "5", RETRY_BASE_DELAY_MS: "10", RETRY_MAX_DELAY_MS: "20", MAX_BODY_BYTES: "2048", MAX_UPSTREAM_BODY_BYTES: "1048576" });
    expect(s).toEqual({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 20 }, maxBodyBytes: 2048, maxUpstreamBodyBytes: 1_048_576, requestDeadlineMs: 300_000 });
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
  ])("rejects %j naming %s", (env, name) => {
    expect(() => parseSettings(env)).toThrow(ConfigurationError);
    expect(() => parseSettings(env)).toThrow(name);
  });

  it("caches per env object, errors included", () => {
    const env = { RETRY_MAX_ATTEMPTS: "4" };
    expect(settingsFor(env)).toBe(settingsFor(env));
    const bad = { RETRY_MAX_ATTEMPTS: "x" };
    expect(() => settingsFor(bad)).toThrow("RETRY_MAX_ATTEMPTS");
    expect(() => settingsFor(bad)).toThrow("RETRY_MAX_ATTEMPTS");
  });
});
