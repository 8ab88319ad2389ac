/**
 * ai-proxy's unminified bundle under raw workerd with its V8 inspector open, for the tools
 * that look inside the isolate (`bench:profile`, `bench:heap`): the target to load, and a
 * DevTools-protocol session on it. Unminified, so profiles and snapshots name our functions.
 */
import { join } from "node:path";
import { buildProxy, freePort, root, startProxyWorkerd, startSimulator, type Target } from "./targets";

export interface Inspected {
  proxy: Target;
  /** One protocol command; resolves with its result. */
  send(method: string, params?: object): Promise<unknown>;
  /** Protocol events (`method`, `params`) as they arrive. */
  onEvent(listener: (method: string, params: unknown) => void): void;
  close(): void;
}

export async function startInspected(name: string): Promise<Inspected> {
  const build = join(root, "bench/.build");
  const bundle = buildProxy("bench/models.bench.yaml", join(build, name), { minify: false });
  const sim = await startSimulator();
  const inspector = await freePort();
  process.env.WORKERD_INSPECTOR = String(inspector);
  const proxy = await startProxyWorkerd(name, bundle.file, sim.url, build);
  const targets = (await (await fetch(`http://127.0.0.1:${inspector}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((r) => ws.addEventListener("open", r, { once: true }));
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  const listeners: Array<(method: string, params: unknown) => void> = [];
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; method?: string; params?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
    else if (msg.method) for (const l of listeners) l(msg.method, msg.params);
  });
  return {
    proxy,
    send: (method, params = {}) =>
      new Promise<unknown>((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    onEvent: (listener) => void listeners.push(listener),
    close: () => ws.close(),
  };
}
