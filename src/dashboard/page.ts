/**
 * The dashboard document and its security headers. The page is one static string (markup,
 * inline style, inline script) with no data in it: everything it shows arrives later from
 * /v1/status with the user's key, so serving it publicly reveals nothing. Because it never
 * changes, its CSP names the script and style by their SHA-256 hashes, computed when they
 * were built (scripts/build-dashboard.ts), instead of a per-response nonce, and nothing
 * else may load, run or connect.
 */
import { DASHBOARD_CSS, DASHBOARD_CSS_HASH, DASHBOARD_JS, DASHBOARD_JS_HASH } from "./assets.generated";

const MARKUP = `<header>
<h1>ai-proxy <span>status</span></h1>
<span class="problem" id="problem" role="status" hidden></span>
<div class="live" id="live" hidden><span class="dot" id="dot"></span><span class="ago" id="ago"></span><button id="logout" type="button">Sign out</button></div>
</header>
<main>
<section class="login" id="login" hidden>
<h2>Live status</h2>
<p>Enter a client key of this proxy. It stays in this browser tab and is sent only to <code>/v1/status</code>.</p>
<form id="login-form"><input id="key" type="password" autocomplete="off" placeholder="Client key" aria-label="Client key" required><button class="primary" type="submit">Show</button></form>
<div class="error" id="login-error" role="alert" hidden></div>
</section>
<div id="board" hidden>
<div class="summary" id="summary"></div>
<h2>Size categories</h2>
<div class="grid cats" id="cats"></div>
<section id="accounts" hidden><h2>Provider accounts</h2><div class="grid" id="providers"></div></section>
<div class="tools"><h2>Models</h2><input type="search" id="filter" placeholder="Filter models" aria-label="Filter models"><label><input type="checkbox" id="active"> Active only</label></div>
<div class="grid" id="models"></div>
</div>
</main>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>ai-proxy · dashboard</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
${MARKUP}
<script>${DASHBOARD_JS}</script>
</body>
</html>
`;

/** The CSP for DASHBOARD_HTML: its own script and style, fetches to this origin, nothing else. */
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
