/**
 * The few DOM helpers the dashboard builds its cards with. Elements get their text through
 * textContent only, never as HTML, so nothing the page shows can become markup.
 */

/** One of the page's fixed elements; a missing one is a bug in the markup, said at once. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`dashboard markup: #${id} is missing`);
  return found;
}

/** A new element with an optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string | null, text?: string | null): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** Appends the children and hands back the parent, so cards nest in one expression. */
export function add<T extends Element>(parent: T, ...kids: Node[]): T {
  parent.append(...kids);
  return parent;
}
