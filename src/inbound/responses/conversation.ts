/**
 * The whole conversation a Responses request continues: the stored conversation and
 * output of `previous_response_id` first, then the request's own input with every
 * `item_reference` (the AI SDK sends them for items of stored responses) replaced by the
 * item it names. This proxy's item ids carry their response's id (response.ts), so a
 * reference costs one lookup per response it names; a provider's (a Response passed
 * through) cost one more, of the alias stored with the response (store.ts). Unknown, expired and other keys' responses are 404s.
 */
import type { Bindings } from "../../env";
import { NotFoundError } from "../../errors";
import type { InputItem, ResponsesRequest } from "./schema";
import { loadResponse, responseOfItem, type StoredResponse } from "./store";

export async function conversationOf(env: Pick<Bindings, "RESPONSES">, body: ResponsesRequest, owner: string): Promise<InputItem[]> {
  const input: InputItem[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : (body.input ?? []);
  const loaded = new Map<string, Promise<StoredResponse | undefined>>();
  const load = (id: string) => {
    let p = loaded.get(id);
    if (!p) loaded.set(id, (p = loadResponse(env, id, owner)));
    return p;
  };
  const prior: InputItem[] = [];
  const previous = body.previous_response_id;
  if (previous) {
    const stored = await load(previous);
    if (!stored) throw new NotFoundError(`Previous response with id '${previous}' not found.`, "previous_response_not_found", "previous_response_id");
    prior.push(...(stored.input as InputItem[]), ...(stored.response.output as InputItem[]));
  }
  const own = await Promise.all(
    input.map(async (item, i) => {
      if (item.type !== "item_reference") return item;
      const id = String(item.id);
      const response = await responseOfItem(env, id, owner);
      const stored = response ? await load(response) : undefined;
      const found = (stored?.response.output as Array<{ id?: unknown }> | undefined)?.find((o) => o.id === id);
      if (!found) throw new NotFoundError(`Item with id '${id}' not found.`, "item_not_found", `input[${i}].id`);
      return found as InputItem;
    }),
  );
  return [...prior, ...own];
}
