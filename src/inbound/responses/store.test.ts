/** Stored responses: owned by one key (whose id no other key can take), gone when their time is up, refused over the size cap. */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { deleteResponse, loadResponse, MAX_STORED_CHARS, type ResponseStore, saveResponse } from "./store";

const newId = () => `resp_${crypto.randomUUID().replaceAll("-", "")}`;
const record = (id: string, text = "Hi") => ({ response: { id, object: "response", output: [{ type: "message", text }] }, input: [{ role: "user", content: "Q" }] });

describe("the response store", () => {
  it("gives a record back to its owner only, whole even when it spans several pieces", async () => {
    const id = newId();
    const big = record(id, "x".repeat(1_200_000));
    expect(await saveResponse(env, "owner-a", big, 3600)).toBe(true);
    expect(await loadResponse(env, id, "owner-a")).toEqual(big);
    expect(await loadResponse(env, id, "owner-b")).toBeUndefined();
    expect(await deleteResponse(env, id, "owner-b")).toBe(false);
    expect(await deleteResponse(env, id, "owner-a")).toBe(true);
    expect(await loadResponse(env, id, "owner-a")).toBeUndefined();
  });

  it("keeps a record for its time to live, then its alarm deletes everything", async () => {
    const id = newId();
    const before = Date.now();
    await saveResponse(env, "owner-a", record(id), 60);
    const stub = env.RESPONSES.getByName(id);
    const alarm = await runInDurableObject(stub, (_: ResponseStore, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(before + 60_000);
    expect(alarm).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await loadResponse(env, id, "owner-a")).toBeUndefined();
    expect(await runInDurableObject(stub, (_: ResponseStore, state) => [...state.storage.kv.list()])).toEqual([]);
  });

  it("never lets another key take a live record's id (a provider passed through names its responses)", async () => {
    const id = newId();
    expect(await saveResponse(env, "owner-a", record(id, "A's"), 60)).toBe(true);
    expect(await saveResponse(env, "owner-b", record(id, "B's"), 60)).toBe(false);
    expect(await loadResponse(env, id, "owner-a")).toEqual(record(id, "A's"));
    expect(await loadResponse(env, id, "owner-b")).toBeUndefined();
    // Its owner may store it again, and once it has expired anyone may.
    expect(await saveResponse(env, "owner-a", record(id, "A's again"), 60)).toBe(true);
    expect(await loadResponse(env, id, "owner-a")).toEqual(record(id, "A's again"));
    const stub = env.RESPONSES.getByName(id);
    await stub.put("owner-a", JSON.stringify(record(id)), Date.now() - 1);
    expect(await saveResponse(env, "owner-b", record(id, "B's"), 60)).toBe(true);
    expect(await loadResponse(env, id, "owner-b")).toEqual(record(id, "B's"));
  });

  it("treats an expired record as gone before its alarm has run", async () => {
    const id = newId();
    const stub = env.RESPONSES.getByName(id);
    await stub.put("owner-a", JSON.stringify(record(id)), Date.now() - 1);
    expect(await stub.get("owner-a")).toBeNull();
    expect(await stub.remove("owner-a")).toBe(false);
  });

  it("stores nothing over the size cap, and looks up nothing for ids it never gave", async () => {
    const id = newId();
    expect(await saveResponse(env, "owner-a", record(id, "x".repeat(MAX_STORED_CHARS)), 60)).toBe(false);
    expect(await loadResponse(env, id, "owner-a")).toBeUndefined();
    expect(await loadResponse(env, "resp_../../etc", "owner-a")).toBeUndefined();
  });
});
