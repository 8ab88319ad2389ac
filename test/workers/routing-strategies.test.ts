/** Category strategies through the whole Worker, and the filters every strategy shares. */
import { describe, expect, it } from "vitest";
import { awayFromMinuteEdge, call, chat, sim } from "./helpers";

const served = async (model: string, content = "hi") => {
  const res = await chat(model, content);
  expect(res.status).toBe(200);
  return res.headers.get("x-proxy-model");
};

describe("strategies", () => {
  it("priority: equal priorities take turns, least recently used first", async () => {
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await served("TIE"));
    expect(order).toEqual(["tie-a", "tie-b", "tie-a", "tie-b"]);
  });

  it("least-used: the model with the most headroom serves next", async () => {
    await awayFromMinuteEdge();
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await served("LU"));
    expect(order).toEqual(["lu-a", "lu-b", "lu-a", "lu-b"]);
  });

  it("latency: the faster model wins once both are measured", async () => {
    const slow = sim({ delay_ms: 150, only: ["route/lat-slow"] });
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await served("LAT", slow));
    // Unmeasured models go first so they get measured; then the fast one keeps the traffic.
    expect(order.slice(0, 2).sort()).toEqual(["lat-fast", "lat-slow"]);
    expect(order.slice(2)).toEqual(["lat-fast", "lat-fast"]);
  });

  it("cost: the cheapest model serves, whatever its priority", async () => {
    expect(await served("COST")).toBe("cost-cheap");
  });

  it("skips a model whose max_input_tokens is below the request's size", async () => {
    expect(await served("CTX", "short")).toBe("ctx-small");
    expect(await served("CTX", "word ".repeat(200))).toBe("ctx-big");
  });

  it("rejects a request too large for every candidate with context_length_exceeded", async () => {
    const res = await chat("ctx-small", "word ".repeat(200));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: "context_length_exceeded", param: "messages" });
  });

  it("shows each category's order and next pick in /v1/status", async () => {
    const status = (await (await call("/v1/status")).json()) as { categories: Array<{ name: string; strategy: string; order: string[]; next: string | null }> };
    const cost = status.categories.find((c) => c.name === "COST");
    expect(cost).toEqual({ name: "COST", strategy: "cost", order: ["cost-cheap", "cost-pricey"], next: "cost-cheap" });
    expect(status.categories.find((c) => c.name === "SMALL")?.strategy).toBe("priority");
  });
});
