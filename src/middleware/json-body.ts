/**
 * Guards routes that take a JSON body: the right media type (415), a size limit that also
 * holds for chunked uploads (413). Parsing and schema validation are left to
 * @hono/zod-validator, which reads the body once; its malformed-JSON error becomes a 400
 * in the error handler.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { PayloadTooLargeError, UnsupportedMediaTypeError } from "../errors";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export function jsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const contentType = c.req.header("content-type");
    const mediaType = contentType?.split(";")[0]?.trim() ?? "";
    if (!JSON_MEDIA_TYPE.test(mediaType)) throw new UnsupportedMediaTypeError(contentType);
    const maxSize = c.get("settings").maxBodyBytes;
    const limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new PayloadTooLargeError(maxSize);
      },
    });
    return limit(c, next);
  };
}
