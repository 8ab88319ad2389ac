/**
 * A body sent on as the client wrote it changes in a few top-level fields at most (`model`,
 * a lowered token cap, a dropped routing field). Serialising the parsed body again costs
 * time in proportion to all of its text, which in a coding agent's request is mostly long
 * strings: about 80 µs for a 100 KB prompt, where finding the top-level members (string
 * bodies skipped with `indexOf`) and splicing the changed ones costs about 8 µs (V8, in
 * Node 22). So the client's own text is kept beside its validated value, and the changed
 * members are written into it; the upstream also gets the client's own spelling of every
 * number and string.
 *
 * The text is spliced only when every top-level key in it is plain (no escapes) and
 * appears once, and no key is `__proto__`. With a key twice, `JSON.parse` (and so
 * validation) keeps the last, while an upstream's parser may keep the first or refuse the
 * body; a `__proto__` member is one zod leaves out of the validated value, so no check
 * ever saw it. Such a body is the validated value serialised, as before. Added members go
 * last, as a spread would put them: a parser that lets the last of two keys win (Go's
 * matches them case-insensitively) reads the proxy's value. Nested objects go as the
 * client wrote them, a nested key given twice included; JSON.parse, Python and Go read its
 * last value, as validation did.
 */

/** Index of the `"` that closes the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return at;
  }
}

/**
 * The top-level members of the object `text` holds (a text JSON.parse accepted), in order:
 * each key's `"key": value` spans [start, end), end being the `,` or `}` after it.
 * Undefined where a splice would not be safe.
 */
function membersOf(text: string): Map<string, [number, number]> | undefined {
  const start = text.indexOf("{");
  if (start < 0 || text.slice(0, start).trim()) return undefined;
  const members = new Map<string, [number, number]>();
  let depth = 0;
  let open: [number, number] | undefined;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const close = closingQuote(text, i);
      if (close < 0) return undefined;
      if (depth === 1 && !open) {
        const key = text.slice(i + 1, close);
        if (key.includes("\\") || members.has(key)) return undefined;
        members.set(key, (open = [i, -1]));
      }
      i = close;
    } else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (--depth === 0) {
        if (open) open[1] = i;
        return members;
      }
    } else if (c === 44 /* , */ && depth === 1 && open) {
      open[1] = i;
      open = undefined;
    }
  }
  return undefined;
}

const member = (key: string, value: unknown) => `${JSON.stringify(key)}:${JSON.stringify(value)}`;

/**
 * `text` (a JSON object's text) with `changes` made to its top level: a key set to
 * undefined is removed, a key it lacks is added last, the rest keep their place and their
 * bytes. Undefined when the text cannot be spliced safely (see above).
 */
export function spliceTopLevel(text: string, changes: Record<string, unknown>): string | undefined {
  const members = text.includes('"__proto__"') ? undefined : membersOf(text);
  if (!members) return undefined;
  const parts: string[] = [];
  for (const [key, [start, end]] of members) {
    if (!Object.hasOwn(changes, key)) parts.push(text.slice(start, end).trimEnd());
    else if (changes[key] !== undefined) parts.push(member(key, changes[key]));
  }
  for (const [key, value] of Object.entries(changes)) if (value !== undefined && !members.has(key)) parts.push(member(key, value));
  return `{${parts.join(",")}}`;
}

/** The client's text of a validated body, and that body's top-level values when it was kept. */
interface KeptText {
  text: string;
  values: Record<string, unknown>;
}
const kept = new WeakMap<object, KeptText>();

/**
 * Keeps the text a validated body was parsed from. Its schema must be loose and neither
 * transform nor default: the body's top-level values are then the text's (but `__proto__`,
 * which zod leaves out and the splice refuses).
 */
export function keepClientText(body: object, text: string): void {
  kept.set(body, { text, values: { ...body } });
}

/** `copy`, a shallow copy of `body` with top-level edits, is sent from `body`'s text too. */
export function shareClientText(copy: object, body: object): void {
  const entry = kept.get(body);
  if (entry) kept.set(copy, entry);
}

/** `body` with `overrides` as JSON: its client's text with what differs spliced in, or serialised when there is no text or it cannot be spliced. */
export function clientJson(body: object, overrides: Record<string, unknown>): string {
  const entry = kept.get(body);
  if (entry) {
    const changes: Record<string, unknown> = {};
    const current: Record<string, unknown> = { ...body, ...overrides };
    for (const [key, value] of Object.entries(current)) if (value !== entry.values[key]) changes[key] = value;
    for (const key of Object.keys(entry.values)) if (!Object.hasOwn(current, key)) changes[key] = undefined;
    const spliced = spliceTopLevel(entry.text, changes);
    if (spliced !== undefined) return spliced;
  }
  return JSON.stringify({ ...body, ...overrides });
}
