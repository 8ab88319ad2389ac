/**
 * The dashboard's browser code. scripts/build-dashboard.ts bundles and minifies it into
 * the page as one inline script, which the CSP allows by its hash. It keeps the client key
 * in sessionStorage, so it lives as long as the tab and never reaches a cookie the Worker
 * would receive on other requests, and polls /v1/status and /v1/usage with it. Every value is written
 * with textContent, never parsed as HTML, so nothing from the config or an upstream can
 * inject markup; the CSP's Trusted Types rule would refuse it anyway. Countdowns tick
 * locally each second, corrected for the server's clock. The answer's shape is the
 * route's own type, so the two cannot drift apart unnoticed.
 */
import type { StatusBody, StatusCategory, StatusModel, StatusProvider, StatusUsage, StatusWindow } from "../../routes/status-body";
import type { UsageBody } from "../../clients/usage-body";
import { isUsage, renderClients } from "./clients-panel";
import { keyRows } from "./keys-panel";
import { add, byId, el } from "./dom";
import { count, millis, span } from "./format";

const STORE = "ai-proxy.dashboard.key";
const REFRESH_MS = 5000;
const WINDOWS = ["rpm", "rph", "rpd", "tpm", "tpd"] as const satisfies ReadonlyArray<keyof StatusUsage>;

/** The page's fixed elements, found once. */
const ui = {
  problem: byId("problem", HTMLElement),
  live: byId("live", HTMLElement),
  dot: byId("dot", HTMLElement),
  ago: byId("ago", HTMLElement),
  logout: byId("logout", HTMLButtonElement),
  login: byId("login", HTMLElement),
  loginForm: byId("login-form", HTMLFormElement),
  key: byId("key", HTMLInputElement),
  loginError: byId("login-error", HTMLElement),
  board: byId("board", HTMLElement),
  summary: byId("summary", HTMLElement),
  clients: byId("clients", HTMLElement),
  clientsGrid: byId("clients-grid", HTMLElement),
  clientsTitle: byId("clients-title", HTMLElement),
  cats: byId("cats", HTMLElement),
  accounts: byId("accounts", HTMLElement),
  providers: byId("providers", HTMLElement),
  filter: byId("filter", HTMLInputElement),
  active: byId("active", HTMLInputElement),
  models: byId("models", HTMLElement),
};

let timer = 0;
let skew = 0;
let lastOk = 0;
let data: StatusBody | null = null;
let usage: UsageBody | null = null;
let ticking: Array<{ node: HTMLElement; until: number; prefix: string }> = [];
// Bumped by every refresh and sign-out: an answer that arrives after either is dropped.
let generation = 0;

const serverNow = () => Date.now() + skew;
const tick = (node: HTMLElement, until: string, prefix: string) => ticking.push({ node, until: Date.parse(until), prefix });
const cooling = (until: string | null, now: number) => until !== null && Date.parse(until) > now;

/** The proxy's OpenAI-shaped error message, if the body is one. */
function errorMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const { error } = body;
  if (typeof error !== "object" || error === null || !("message" in error)) return undefined;
  return typeof error.message === "string" && error.message ? error.message : undefined;
}
const isStatus = (body: unknown): body is StatusBody =>
  typeof body === "object" && body !== null && "models" in body && Array.isArray(body.models);

function showLogin(message: string): void {
  clearTimeout(timer);
  generation++;
  data = null;
  usage = null;
  lastOk = 0;
  // Nothing of the last key's view stays in the page once it is gone.
  for (const node of [ui.summary, ui.cats, ui.providers, ui.models, ui.clientsGrid]) node.replaceChildren();
  ui.board.hidden = true;
  ui.live.hidden = true;
  ui.login.hidden = false;
  ui.loginError.textContent = message;
  ui.loginError.hidden = !message;
  ui.key.focus();
}

async function refresh(): Promise<void> {
  clearTimeout(timer);
  const key = sessionStorage.getItem(STORE);
  if (!key) return showLogin("");
  const mine = ++generation;
  try {
    const get = (path: string) => fetch(path, { headers: { authorization: `Bearer ${key}` }, cache: "no-store" });
    // Usage is a panel of its own: when it cannot be had, the rest still shows.
    const [res, used] = await Promise.all([get("/v1/status"), get("/v1/usage").then((r) => r.json(), () => null).catch(() => null)]);
    const body: unknown = await res.json().catch(() => null);
    if (mine !== generation) return;
    if (res.status === 401 || res.status === 403) {
      sessionStorage.removeItem(STORE);
      return showLogin(errorMessage(body) ?? "The key was refused.");
    }
    if (!res.ok || !isStatus(body)) throw new Error(errorMessage(body) ?? `HTTP ${res.status}`);
    skew = Date.parse(body.generated_at) - Date.now() || 0;
    data = body;
    usage = isUsage(used) ? used : null;
    lastOk = Date.now();
    ui.login.hidden = true;
    ui.live.hidden = false;
    ui.board.hidden = false;
    ui.problem.textContent = "";
    ui.problem.hidden = true;
    render();
  } catch (err) {
    if (mine !== generation) return;
    ui.problem.textContent = `Refresh failed: ${err instanceof Error ? err.message : String(err)}`;
    ui.problem.hidden = false;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

function bar(key: string, u: StatusWindow): HTMLElement {
  const frac = u.limit > 0 ? Math.min(1, u.used / u.limit) : 1;
  const row = el("div", "bar");
  row.dataset.window = key;
  const track = el("div", "track");
  track.setAttribute("role", "progressbar");
  track.setAttribute("aria-label", key);
  track.setAttribute("aria-valuemin", "0");
  track.setAttribute("aria-valuemax", String(u.limit));
  track.setAttribute("aria-valuenow", String(u.used));
  const fill = el("div", `fill${frac >= 0.9 ? " full" : frac >= 0.7 ? " warn" : frac === 0 ? " zero" : ""}`);
  fill.style.width = `${(frac * 100).toFixed(1)}%`;
  track.append(fill);
  const reset = el("div", "reset");
  tick(reset, u.resets_at, "resets in ");
  return add(row, el("span", "key", key), track, el("span", "used", `${count(u.used)} / ${count(u.limit)}`), reset);
}

function bars(usage: StatusUsage): HTMLElement {
  const rows = WINDOWS.flatMap((k) => {
    const u = usage[k];
    return u ? [bar(k, u)] : [];
  });
  return rows.length ? add(el("div", "bars"), ...rows) : el("div", "none", "No declared limits");
}

function num(value: string, label: string, cls?: string): HTMLElement {
  return add(el("div"), el("b", cls, value), el("span", null, label));
}

function countdown(until: string, prefix: string): HTMLElement {
  const c = el("div", "cool");
  tick(c, until, prefix);
  return c;
}

function modelCard(m: StatusModel): HTMLElement {
  const cooldown = cooling(m.cooldown_until, serverNow()) ? m.cooldown_until : null;
  const card = el("article", `card ${m.breaker}${cooldown ? " cooling" : ""}`);
  card.dataset.model = m.name;
  const title = add(el("div"), el("div", "name", m.name), el("div", "meta", [m.provider, m.type, m.size].filter(Boolean).join(" · ")));
  const badge = el("span", `badge ${m.breaker}`, m.breaker.replace("_", " "));
  badge.dataset.breaker = m.breaker;
  add(card, add(el("div", "top"), title, badge));
  if (cooldown) {
    const c = countdown(cooldown, m.breaker === "open" ? "Breaker open, retry in " : "Cooling down, ready in ");
    c.dataset.cooldown = "";
    card.append(c);
  }
  const r = m.recent;
  const mins = `${Math.round(r.window_s / 60)} min`;
  const nums = add(
    el("div", "nums"),
    num(count(r.success), `ok · ${mins}`, r.success ? "good" : ""),
    num(count(r.error), `errors · ${mins}`, r.error ? "bad" : ""),
    num(millis(m.latency_p50_ms), "p50 latency"),
    num(String(m.in_flight), "in flight"),
  );
  nums.dataset.recent = `${r.success}/${r.error}`;
  add(card, nums, bars(m.usage));
  return m.keys?.length ? add(card, keyRows(m.keys, serverNow(), countdown, bars)) : card;
}

function categoryCard(c: StatusCategory, down: ReadonlySet<string>): HTMLElement {
  const card = el("article", "card");
  card.dataset.category = c.name;
  add(card, add(el("div", "top"), el("div", "name", c.name), el("span", "badge strategy", c.strategy)));
  const next = el("div", "next");
  if (c.next) add(next, document.createTextNode("Next: "), el("b", null, c.next));
  else next.textContent = "Nothing available right now";
  card.append(next);
  const chip = (n: string) => el("span", `chip${n === c.next ? " pick" : down.has(n) ? " down" : ""}`, n);
  return add(card, add(el("div", "chips"), ...c.order.map(chip)));
}

function providerCard(p: StatusProvider): HTMLElement {
  const name = add(el("div"), el("div", "name", p.id), el("div", "meta", "account-wide limits"));
  const card = add(el("article", "card"), add(el("div", "top"), name));
  card.dataset.provider = p.id;
  if (p.exhausted_until) card.append(countdown(p.exhausted_until, "Account exhausted, resets in "));
  return add(card, bars(p.usage));
}

function render(): void {
  if (!data) return;
  const { models, providers, categories } = data;
  ticking = [];
  const now = serverNow();
  const down = new Set(models.filter((m) => m.breaker === "open" || cooling(m.cooldown_until, now)).map((m) => m.name));
  const filter = ui.filter.value.trim().toLowerCase();
  const activeOnly = ui.active.checked;
  const active = (m: StatusModel) =>
    m.in_flight > 0 || m.recent.success > 0 || m.recent.error > 0 || down.has(m.name) || m.breaker !== "closed" ||
    Object.values(m.usage).some((u) => u !== undefined && u.used > 0);
  const matches = (m: StatusModel) => !filter || `${m.name} ${m.provider} ${m.size ?? ""}`.toLowerCase().includes(filter);
  const shown = models.filter((m) => matches(m) && (!activeOnly || active(m)));
  const sum = (f: (m: StatusModel) => number) => models.reduce((a, m) => a + f(m), 0);
  const mins = `${Math.round((models[0]?.recent.window_s || 300) / 60)} min`;
  const errors = sum((m) => m.recent.error);

  const stats = [
    num(String(models.length), "models"),
    num(String(sum((m) => m.recent.success)), `ok · ${mins}`, "good"),
    num(String(errors), `errors · ${mins}`, errors ? "bad" : ""),
    num(String(down.size), "paused models", down.size ? "bad" : ""),
    num(String(sum((m) => m.in_flight)), "in flight"),
  ];
  for (const n of stats) n.className = "stat";
  ui.summary.replaceChildren(...stats);
  renderClients(ui.clients, ui.clientsGrid, ui.clientsTitle, usage, (usage?.clients.length ?? 0) > 1 || usage?.clients[0]?.role === "admin", bars);
  ui.cats.replaceChildren(...categories.map((c) => categoryCard(c, down)));

  const accounts = providers.filter((p) => p.exhausted_until || Object.keys(p.usage).length);
  ui.accounts.hidden = !accounts.length;
  ui.providers.replaceChildren(...accounts.map(providerCard));
  ui.models.replaceChildren(...shown.map(modelCard));
  if (!shown.length) ui.models.append(el("div", "none", "No model matches."));
  ticks();
}

function ticks(): void {
  const now = serverNow();
  for (const t of ticking) t.node.textContent = t.until > now ? t.prefix + span(t.until - now) : `${t.prefix}0:00`;
  if (lastOk) ui.ago.textContent = `updated ${Math.round((Date.now() - lastOk) / 1000)} s ago`;
  ui.dot.className = `dot ${Date.now() - lastOk > REFRESH_MS * 3 ? "stale" : "on"}`;
}

ui.loginForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const key = ui.key.value.trim();
  if (!key) return;
  sessionStorage.setItem(STORE, key);
  ui.key.value = "";
  void refresh();
});
ui.filter.addEventListener("input", render);
ui.active.addEventListener("change", render);
ui.logout.addEventListener("click", () => {
  sessionStorage.removeItem(STORE);
  showLogin("");
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && sessionStorage.getItem(STORE)) void refresh();
});
setInterval(ticks, 1000);
void refresh();
