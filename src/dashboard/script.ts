/**
 * The dashboard's browser code, inlined (the CSP allows exactly this text by its hash). It
 * keeps the client key in sessionStorage, so it lives as long as the tab and never reaches
 * a cookie the Worker would receive on other requests, and polls /v1/status with it. Every
 * value is written with textContent, never parsed as HTML, so nothing from the config or
 * an upstream can inject markup; the CSP's Trusted Types rule would refuse it anyway.
 * Countdowns tick locally each second, corrected for the server's clock.
 */
export const DASHBOARD_JS = String.raw`"use strict";
(() => {
  const STORE = "ai-proxy.dashboard.key";
  const REFRESH_MS = 5000;
  const $ = (id) => document.getElementById(id);
  let timer = 0, skew = 0, lastOk = 0, data = null, ticking = [];
  // Bumped by every refresh and sign-out: an answer that arrives after either is dropped.
  let generation = 0;

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const add = (parent, ...kids) => { for (const k of kids) if (k) parent.append(k); return parent; };
  const serverNow = () => Date.now() + skew;
  const span = (ms) => {
    const s = Math.max(0, Math.ceil(ms / 1000));
    if (s >= 86400) return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + r : m + ":" + r;
  };
  const ms = (v) => (v === null || v === undefined ? "–" : v >= 10000 ? (v / 1000).toFixed(1) + " s" : Math.round(v) + " ms");
  const short = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).replace(/\.0$/, "");
  const count = (n) => (n < 10000 ? String(n) : n < 1e6 ? short(n / 1e3) + "k" : short(n / 1e6) + "M");
  const tick = (node, until, prefix) => ticking.push({ node, until: Date.parse(until), prefix });

  function showLogin(message) {
    clearTimeout(timer);
    generation++;
    data = null;
    lastOk = 0;
    // Nothing of the last key's view stays in the page once it is gone.
    for (const id of ["summary", "cats", "providers", "models"]) $(id).replaceChildren();
    $("board").hidden = true;
    $("live").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("login-error").hidden = !message;
    $("key").focus();
  }

  async function refresh() {
    clearTimeout(timer);
    const key = sessionStorage.getItem(STORE);
    if (!key) return showLogin("");
    const mine = ++generation;
    try {
      const res = await fetch("/v1/status", { headers: { authorization: "Bearer " + key }, cache: "no-store" });
      const body = await res.json().catch(() => null);
      if (mine !== generation) return;
      if (res.status === 401 || res.status === 403) {
        sessionStorage.removeItem(STORE);
        return showLogin((body && body.error && body.error.message) || "The key was refused.");
      }
      if (!res.ok || !body || !Array.isArray(body.models)) throw new Error((body && body.error && body.error.message) || "HTTP " + res.status);
      skew = Date.parse(body.generated_at) - Date.now() || 0;
      data = body;
      lastOk = Date.now();
      $("login").hidden = true;
      $("live").hidden = false;
      $("board").hidden = false;
      $("problem").textContent = "";
      $("problem").hidden = true;
      render();
    } catch (err) {
      if (mine !== generation) return;
      $("problem").textContent = "Refresh failed: " + (err && err.message ? err.message : err);
      $("problem").hidden = false;
    }
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function bar(key, u) {
    const frac = u.limit > 0 ? Math.min(1, u.used / u.limit) : 1;
    const row = el("div", "bar");
    row.dataset.window = key;
    const track = el("div", "track");
    track.setAttribute("role", "progressbar");
    track.setAttribute("aria-label", key);
    track.setAttribute("aria-valuemin", "0");
    track.setAttribute("aria-valuemax", String(u.limit));
    track.setAttribute("aria-valuenow", String(u.used));
    const fill = el("div", "fill" + (frac >= 0.9 ? " full" : frac >= 0.7 ? " warn" : frac === 0 ? " zero" : ""));
    fill.style.width = (frac * 100).toFixed(1) + "%";
    track.append(fill);
    const reset = el("div", "reset");
    tick(reset, u.resets_at, "resets in ");
    return add(row, el("span", "key", key), track, el("span", "used", count(u.used) + " / " + count(u.limit)), reset);
  }

  function bars(usage) {
    const keys = ["rpm", "rph", "rpd", "tpm", "tpd"].filter((k) => usage && usage[k]);
    if (!keys.length) return el("div", "none", "No declared limits");
    return add(el("div", "bars"), ...keys.map((k) => bar(k, usage[k])));
  }

  function num(value, label, cls) {
    return add(el("div"), el("b", cls, value), el("span", null, label));
  }

  function modelCard(m) {
    const cooling = m.cooldown_until && Date.parse(m.cooldown_until) > serverNow();
    const card = el("article", "card " + m.breaker + (cooling ? " cooling" : ""));
    card.dataset.model = m.name;
    const title = add(el("div"), el("div", "name", m.name), el("div", "meta", [m.provider, m.type, m.size].filter(Boolean).join(" · ")));
    const badge = el("span", "badge " + m.breaker, m.breaker.replace("_", " "));
    badge.dataset.breaker = m.breaker;
    add(card, add(el("div", "top"), title, badge));
    if (cooling) {
      const c = el("div", "cool");
      c.dataset.cooldown = "";
      tick(c, m.cooldown_until, m.breaker === "open" ? "Breaker open, retry in " : "Cooling down, ready in ");
      card.append(c);
    }
    const r = m.recent || { success: 0, error: 0, window_s: 300 };
    const mins = Math.round(r.window_s / 60) + " min";
    const nums = add(el("div", "nums"),
      num(count(r.success), "ok · " + mins, r.success ? "good" : ""),
      num(count(r.error), "errors · " + mins, r.error ? "bad" : ""),
      num(ms(m.latency_p50_ms), "p50 latency"),
      num(String(m.in_flight), "in flight"));
    nums.dataset.recent = r.success + "/" + r.error;
    return add(card, nums, bars(m.usage));
  }

  function categoryCard(c, down) {
    const card = el("article", "card");
    card.dataset.category = c.name;
    add(card, add(el("div", "top"), el("div", "name", c.name), el("span", "badge strategy", c.strategy)));
    const next = el("div", "next");
    if (c.next) add(next, document.createTextNode("Next: "), el("b", null, c.next));
    else next.textContent = "Nothing available right now";
    card.append(next);
    return add(card, add(el("div", "chips"), ...c.order.map((n) => el("span", "chip" + (n === c.next ? " pick" : down.has(n) ? " down" : ""), n))));
  }

  function render() {
    if (!data) return;
    ticking = [];
    const now = serverNow();
    const down = new Set(data.models.filter((m) => m.breaker === "open" || (m.cooldown_until && Date.parse(m.cooldown_until) > now)).map((m) => m.name));
    const filter = $("filter").value.trim().toLowerCase();
    const activeOnly = $("active").checked;
    const active = (m) => m.in_flight || m.recent.success || m.recent.error || down.has(m.name) || m.breaker !== "closed" ||
      Object.values(m.usage || {}).some((u) => u && u.used > 0);
    const shown = data.models.filter((m) => (!filter || (m.name + " " + m.provider + " " + (m.size || "")).toLowerCase().includes(filter)) && (!activeOnly || active(m)));
    const sum = (f) => data.models.reduce((a, m) => a + f(m), 0);
    const mins = Math.round(((data.models[0] && data.models[0].recent.window_s) || 300) / 60) + " min";
    const errors = sum((m) => m.recent.error);

    $("summary").replaceChildren(...[
      num(String(data.models.length), "models"),
      num(String(sum((m) => m.recent.success)), "ok · " + mins, "good"),
      num(String(errors), "errors · " + mins, errors ? "bad" : ""),
      num(String(down.size), "paused models", down.size ? "bad" : ""),
      num(String(sum((m) => m.in_flight)), "in flight"),
    ].map((n) => { n.className = "stat"; return n; }));
    $("cats").replaceChildren(...data.categories.map((c) => categoryCard(c, down)));

    const accounts = data.providers.filter((p) => p.exhausted_until || Object.keys(p.usage || {}).length);
    $("accounts").hidden = !accounts.length;
    $("providers").replaceChildren(...accounts.map((p) => {
      const card = add(el("article", "card"), add(el("div", "top"), add(el("div"), el("div", "name", p.id), el("div", "meta", "account-wide limits"))));
      card.dataset.provider = p.id;
      if (p.exhausted_until) {
        const c = el("div", "cool");
        tick(c, p.exhausted_until, "Account exhausted, resets in ");
        card.append(c);
      }
      return add(card, bars(p.usage));
    }));
    $("models").replaceChildren(...shown.map(modelCard));
    if (!shown.length) $("models").append(el("div", "none", "No model matches."));
    ticks();
  }

  function ticks() {
    const now = serverNow();
    for (const t of ticking) t.node.textContent = t.until > now ? t.prefix + span(t.until - now) : t.prefix + "0:00";
    if (lastOk) $("ago").textContent = "updated " + Math.round((Date.now() - lastOk) / 1000) + " s ago";
    $("dot").className = "dot " + (Date.now() - lastOk > REFRESH_MS * 3 ? "stale" : "on");
  }

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("key").value.trim();
    if (!key) return;
    sessionStorage.setItem(STORE, key);
    $("key").value = "";
    refresh();
  });
  $("filter").addEventListener("input", render);
  $("active").addEventListener("change", render);
  $("logout").addEventListener("click", () => { sessionStorage.removeItem(STORE); showLogin(""); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden && sessionStorage.getItem(STORE)) refresh(); });
  setInterval(ticks, 1000);
  refresh();
})();
`;
