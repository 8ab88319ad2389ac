/**
 * The dashboard's clients panel, from GET /v1/usage: for an admin key one card per client,
 * for a client key its own. Each card has bars for the client's own limits (drawn by the
 * page's bar code, passed in, so they look and tick like the models'), and today's
 * requests, tokens, errors and models. Text goes in through textContent only.
 */
import type { ClientUsage, UsageBody } from "../../clients/usage-body";
import type { StatusUsage } from "../../routes/status-body";
import { add, el } from "./dom";
import { count } from "./format";

export const isUsage = (body: unknown): body is UsageBody =>
  typeof body === "object" && body !== null && "clients" in body && Array.isArray(body.clients);

function clientCard(u: ClientUsage, bars: (usage: StatusUsage) => HTMLElement): HTMLElement {
  const card = el("article", "card");
  card.dataset.client = u.client;
  const inFlight = u.max_concurrent === null ? String(u.in_flight) : `${u.in_flight} / ${u.max_concurrent}`;
  add(card, add(el("div", "top"), el("div", "name", u.client), el("span", "badge strategy", u.role)));
  const d = u.day;
  const nums = add(el("div", "nums"), ...[
    [count(d.requests), "requests today"],
    [`${count(d.tokens_in)} / ${count(d.tokens_out)}`, "tokens in / out"],
    [count(d.errors), "errors today"],
    [inFlight, "in flight"],
  ].map(([value, label]) => add(el("div"), el("b", null, value), el("span", null, label))));
  nums.dataset.today = `${d.requests}/${d.errors}`;
  const models = Object.entries(d.models).sort((a, b) => b[1].requests - a[1].requests);
  const chips = add(el("div", "chips"), ...models.map(([name, t]) => el("span", "chip", `${name} ${count(t.requests)}`)));
  return add(card, nums, bars(u.limits), chips);
}

/** Fills the panel; hidden when there is no usage to show. */
export function renderClients(section: HTMLElement, grid: HTMLElement, title: HTMLElement, usage: UsageBody | null, admin: boolean, bars: (usage: StatusUsage) => HTMLElement): void {
  section.hidden = !usage?.clients.length;
  title.textContent = admin ? "Clients" : "Your usage";
  grid.replaceChildren(...(usage?.clients ?? []).map((u) => clientCard(u, bars)));
}
