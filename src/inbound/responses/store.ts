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

/** False when the record is over the size cap, its id is another key's (or storage is not configured), so nothing was stored. */
export async function saveResponse(env: Env, owner: string, record: StoredResponse, ttlS: number): Promise<boolean> {
  const text = JSON.stringify(record);
  const target = stub(env, String(record.response.id));
  if (!target || text.length > MAX_STORED_CHARS) return false;
  return target.put(owner, text, Date.now() + ttlS * 1000);
}

export const deleteResponse = async (env: Env, id: string, owner: string) => (await stub(env, id)?.remove(owner)) === true;
