/**
 * Every translating adapter's stream reads an upstream event the same way: its data as a
 * JSON object. Data that is not JSON fails the stream (a typed error the guard reports);
 * JSON that is not an object is skipped, as no protocol sends one that matters.
 */
import { UpstreamBadResponseError } from "../errors";

export function eventObject(provider: string, data: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new UpstreamBadResponseError(provider, "a stream event is not JSON");
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
