/**
 * Finds the Chromium the browser tests drive (playwright-core downloads none). Without
 * one, the browser tests skip with one line saying how to get it, so `npm test` passes on
 * a machine that has no browser; with REQUIRE_BROWSER=1 (CI), a missing browser fails
 * instead, so the tests can never be skipped silently where they must run.
 */
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** The flags the machine's closed network needs: no background calls to Google's hosts. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
  "--no-first-run", "--disable-component-update", "--disable-sync",
];

/** The browser's path, or undefined after printing why the `suite` tests are skipped. */
export function chromiumFor(suite: string): string | undefined {
  const path = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CANDIDATES;
  const found = path.find((p) => existsSync(p));
  if (found) return found;
  const why = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` : "no Chromium found (apt-get install chromium)";
  if (process.env.REQUIRE_BROWSER === "1") throw new Error(`${suite} browser tests cannot run: ${why}, and REQUIRE_BROWSER=1`);
  process.stderr.write(`${suite} browser tests skipped: ${why}\n`);
  return undefined;
}
