/**
 * Generates the workerd configuration that serves a bundle with raw `workerd serve`: the
 * way production runs it, without wrangler dev's own proxy in front (which adds several
 * milliseconds per request). Outbound fetches may reach loopback (the simulator); Durable
 * Objects keep their SQLite files on local disk.
 */
export interface WorkerdConfig {
  port: number;
  /** Directory holding the module, relative to which `embed` paths resolve. */
  moduleFile: string;
  compatibilityDate: string;
  bindings: Record<string, string>;
  durableObjects?: { binding: string; className: string; storageDir: string };
}

export function workerdConfig(c: WorkerdConfig): string {
  const text = Object.entries(c.bindings).map(([name, value]) => `    (name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)}),`);
  const dob = c.durableObjects;
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
${dob ? `    (name = "do-disk", disk = (path = ${JSON.stringify(dob.storageDir)}, writable = true)),\n` : ""}  ],
  sockets = [ (name = "http", address = "127.0.0.1:${c.port}", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed ${JSON.stringify(c.moduleFile)}) ],
  compatibilityDate = ${JSON.stringify(c.compatibilityDate)},
  bindings = [
${text.join("\n")}
${dob ? `    (name = ${JSON.stringify(dob.binding)}, durableObjectNamespace = ${JSON.stringify(dob.className)}),` : ""}
  ],
${dob ? `  durableObjectNamespaces = [ (className = ${JSON.stringify(dob.className)}, uniqueKey = "bench-${dob.className}", enableSql = true) ],\n  durableObjectStorage = (localDisk = "do-disk"),\n` : ""}  globalOutbound = "internet",
);
`;
}
