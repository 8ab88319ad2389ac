/**
 * The dashboard's security headers. The page itself (markup, inline style, inline script,
 * no data) is a static asset built by scripts/build-dashboard.ts into public/, so its bytes
 * stay out of the Worker bundle that every cold start loads; everything it shows arrives
 * later from /v1/status with the user's key, so serving it publicly reveals nothing.
 * Because it never changes, its CSP names the script and style by their SHA-256 hashes,
 * computed when they were built, instead of a per-response nonce, and nothing else may
 * load, run or connect.
 */
import { DASHBOARD_CSS_HASH, DASHBOARD_JS_HASH } from "./assets.generated";

/** The CSP for the page: its own script and style, fetches to this origin, nothing else. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${DASHBOARD_JS_HASH}`,
  `style-src ${DASHBOARD_CSS_HASH}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

/** Response headers for the page: the content never changes, so neither do they. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};
