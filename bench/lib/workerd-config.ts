/**
 * Generates the workerd configuration that serves a bundle with raw `workerd serve`: the
 * way production runs it, without wrangler dev's own proxy in front (which adds several
 * milliseconds per request). Outbound fetches may reach loopback (the simulator); Durable
 * Objects keep their SQLite files on local disk.
 *
 * With several ports, each gets a Worker service of its own from the same module: separate
 * isolates (separate module state, so separate lease pools and caches), as a deployment's
 * isolates are, all bound to the same Durable Object namespaces, which the first declares.
 */
export interface WorkerdConfig {
  /** One socket per Worker service: one port serves one isolate; several serve several. */
  port: number | readonly number[];
  /** Directory holding the module, relative to which `embed` paths resolve. */
  moduleFile: string;
  compatibilityDate: string;
  bindings: Record<string, string>;
  /** Durable Object bindings (binding name → class), all kept in one directory. */
  durableObjects?: { classes: Record<string, string>; storageDir: string };
}

export function workerdConfig(c: WorkerdConfig): string {
  const ports = typeof c.port === "number" ? [c.port] : c.port;
  const names = ports.map((_, i) => (i === 0 ? "main" : `main${i}`));
  const text = Object.entries(c.bindings).map(([name, value]) => `    (name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)}),`);
  const dob = c.durableObjects;
  const classes = Object.entries(dob?.classes ?? {});
  const worker = (name: string, i: number) => {
    // The namespaces live in the first service; the others reach the very same objects through it.
    const namespace = (className: string) => (i === 0 ? JSON.stringify(className) : `(className = ${JSON.stringify(className)}, serviceName = "main")`);
    const declared = classes.map(([, className]) => `(className = ${JSON.stringify(className)}, uniqueKey = "bench-${className}", enableSql = true)`);
    return `const ${name}Worker :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed ${JSON.stringify(c.moduleFile)}) ],
  compatibilityDate = ${JSON.stringify(c.compatibilityDate)},
  bindings = [
${text.join("\n")}
${classes.map(([binding, className]) => `    (name = ${JSON.stringify(binding)}, durableObjectNamespace = ${namespace(className)}),`).join("\n")}
  ],
${dob && i === 0 ? `  durableObjectNamespaces = [ ${declared.join(", ")} ],\n  durableObjectStorage = (localDisk = "do-disk"),\n` : ""}  globalOutbound = "internet",
);
`;
  };
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
${names.map((n) => `    (name = "${n}", worker = .${n}Worker),`).join("\n")}
    (name = "internet", network = (allow = ["public", "private", "local"])),
${dob ? `    (name = "do-disk", disk = (path = ${JSON.stringify(dob.storageDir)}, writable = true)),\n` : ""}  ],
  sockets = [
${names.map((n, i) => `    (name = "http-${n}", address = "127.0.0.1:${ports[i]}", http = (), service = "${n}"),`).join("\n")}
  ],
);

${names.map(worker).join("\n")}`;
}
