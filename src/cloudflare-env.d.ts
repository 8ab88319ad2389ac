// Tells `cloudflare:workers` (env, exports) the shape of this Worker's bindings and entry.
declare namespace Cloudflare {
  interface Env extends import("./env").Bindings {
    /** Tests only: the upstream simulator's loopback URL, used in test/models.test.yaml. */
    UPSTREAM?: string;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
