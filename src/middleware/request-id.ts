/**
 * Every response carries `x-request-id`: the client's, if it sent a sane one, else a new
 * UUID. Set on the final response after the handler ran, because handlers that return a
 * Response of their own (streams, pass-through bodies) bypass headers staged earlier.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const SANE = /^[\w.:=-]{1,128}$/;

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const sent = c.req.header("x-request-id");
    const id = sent && SANE.test(sent) ? sent : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
  };
}
