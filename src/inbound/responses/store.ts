/**
 * Stored responses, for clients that continue a conversation with `previous_response_id`
 * or fetch a response again (`GET /v1/responses/{id}`). One SQLite-backed Durable Object
 * per response id holds the response and the whole conversation that led to it (input
 * items, the previous response's included), so a follow-up costs one call whatever the
 * conversation's length. Each record belongs to the client key that created it (another
 * key is told it does not exist) and is deleted by an alarm when its time to live ends.
 * Nothing is stored for `store: false`, which is what Codex sends.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../env";

/** What one response leaves behind. */
export interface StoredResponse {
  response: Record<string, unknown>;
  /** The conversation before the response's output, instructions excluded (they do not carry over). */
  input: unknown[];
}

/** A record's text is kept in pieces of at most this many characters: a stored value holds 2 MB. */
const PIECE_CHARS = 500_000;
/** The largest record stored, in characters of JSON; a larger conversation is not stored. */
export const MAX_STORED_CHARS = 8 * 1024 * 1024;

interface Meta {
  owner: string;
  expires: number;
  pieces: number;
}

export class ResponseStore extends DurableObject<Bindings> {
  /**
   * False, storing nothing, when another key's live record holds the id: a provider passed
   * through names its responses, and a provider that repeats an id must not take a record
   * from its owner. The key-value API, not a table: an object only ever looked up keeps nothing.
   */
  async put(owner: string, text: string, expires: number): Promise<boolean> {
    const kv = this.ctx.storage.kv;
    const held = kv.get<Meta>("meta");
    if (held && held.owner !== owner && held.expires > Date.now()) return false;
    let pieces = 0;
    for (; pieces * PIECE_CHARS < text.length; pieces++) kv.put(`p${pieces}`, text.slice(pieces * PIECE_CHARS, (pieces + 1) * PIECE_CHARS));
    kv.put("meta", { owner, expires, pieces } satisfies Meta);
    await this.ctx.storage.setAlarm(expires);
    return true;
  }

  /** The record's description, if it exists, has not expired and belongs to `owner`. */
  private live(owner: string): Meta | undefined {
    const meta = this.ctx.storage.kv.get<Meta>("meta");
    return meta?.owner === owner && meta.expires > Date.now() ? meta : undefined;
  }

  async get(owner: string): Promise<string | null> {
    const meta = this.live(owner);
    return meta ? Array.from({ length: meta.pieces }, (_, n) => this.ctx.storage.kv.get<string>(`p${n}`) ?? "").join("") : null;
  }

  async remove(owner: string): Promise<boolean> {
    if (!this.live(owner)) return false;
    await this.alarm();
    return true;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/** This proxy's ids (32 hex digits) and those of providers passed through (OpenAI's are longer). */
const ID = /^resp_[0-9A-Za-z]{24,96}$/;

type Env = Pick<Bindings, "RESPONSES">;
const stub = (env: Env, id: string) => (ID.test(id) ? env.RESPONSES?.getByName(id) : undefined);

export async function loadResponse(env: Env, id: string, owner: string): Promise<StoredResponse | undefined> {
  const text = await stub(env, id)?.get(owner);
  return text ? (JSON.parse(text) as StoredResponse) : undefined;
}

/** This proxy's item ids carry their response's id (response.ts); a provider's do not. */
const OWN_ITEM_ID = /^[a-z]+_([0-9a-f]{32})_\d+$/;
const PROVIDER_ITEM_ID = /^[\w-]{1,128}$/;
const aliasStub = (env: Env, itemId: string) => (PROVIDER_ITEM_ID.test(itemId) ? env.RESPONSES?.getByName(`item:${itemId}`) : undefined);

/**
 * False when the record is over the size cap, its id is another key's (or storage is not
 * configured), so nothing was stored. A Response passed through from a provider names its
 * output items with the provider's ids, which say nothing of the response: each gets an
 * alias record (a record of the same kind, holding the response's id), so an
 * `item_reference` to it (the AI SDK sends them between steps) finds it.
 */
export async function saveResponse(env: Env, owner: string, record: StoredResponse, ttlS: number): Promise<boolean> {
  const text = JSON.stringify(record);
  const responseId = String(record.response.id);
  const target = stub(env, responseId);
  if (!target || text.length > MAX_STORED_CHARS) return false;
  const expires = Date.now() + ttlS * 1000;
  if (!(await target.put(owner, text, expires))) return false;
  const output = Array.isArray(record.response.output) ? (record.response.output as Array<{ id?: unknown }>) : [];
  // An alias another key holds is left to it: a reference to that item is then a 404.
  await Promise.all(output.map((o) => (typeof o.id === "string" && !OWN_ITEM_ID.test(o.id) ? aliasStub(env, o.id)?.put(owner, responseId, expires) : undefined)));
  return true;
}

/** The id of the stored response holding item `itemId`, for `owner`; undefined when there is none. */
export async function responseOfItem(env: Env, itemId: string, owner: string): Promise<string | undefined> {
  const own = OWN_ITEM_ID.exec(itemId)?.[1];
  if (own) return `resp_${own}`;
  return (await aliasStub(env, itemId)?.get(owner)) ?? undefined;
}

export const deleteResponse = async (env: Env, id: string, owner: string) => (await stub(env, id)?.remove(owner)) === true;
