/**
 * Where every error becomes a response: ProxyErrors map to their body, status and
 * headers; Hono's HTTPExceptions (from its validator and helpers) keep their status;
 * anything else is a logged 500 that reveals nothing about the cause (its log line
 * redacted too). The body has OpenAI's shape, or the shape of the inbound protocol the
 * path speaks (Anthropic's on /v1/messages*).
 */
import { logLine } from "../observability/log-line";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env";
import { errorBody, InternalError, InvalidRequestError, NotFoundError, ProxyError } from "../errors";
import { redactSecrets } from "../security/redact";
import { inboundForPath } from "../inbound/registry";
import { normalizedPath } from "./path";

function fromHttpException(err: HTTPException): ProxyError {
  if (err.status === 400 && /json/i.test(err.message)) {
    return new InvalidRequestError("The request body is not valid JSON.", { code: "invalid_json" });
  }
  const status = (err.status >= 400 ? err.status : 500) as ContentfulStatusCode;
  return new ProxyError(err.message || "Request failed.", {
    status,
    type: status >= 500 ? "server_error" : "invalid_request_error",
  });
}

export function toProxyError(err: unknown, c: Context<AppEnv>): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  logLine("error", { requestId: c.get("requestId"), msg: "unhandled error", error: redactSecrets(String(err)) });
  return new InternalError();
}

export function respondWithError(c: Context<AppEnv>, err: ProxyError): Response {
  const log = c.get("log");
  if (log) log.error ??= err.code ?? err.type;
  const inbound = inboundForPath(normalizedPath(c.req.raw));
  return c.json(inbound ? inbound.errorBody(err) : errorBody(err), err.status, err.headers);
}

export const onError: ErrorHandler<AppEnv> = (err, c) => respondWithError(c, toProxyError(err, c));

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  respondWithError(c, new NotFoundError(`Unknown route: ${c.req.method} ${c.req.path}`, "unknown_route"));
