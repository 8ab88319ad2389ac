/**
 * Path normalisation for routing: repeated slashes collapse and a trailing slash is
 * dropped, so `/v1//models/` routes like `/v1/models` (SDK base URLs often end in a
 * slash). Percent-encoding and case are left alone: such paths simply match no route, and
 * since auth runs for every unmatched path they still need a key.
 */
export function normalizedPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const queryAt = url.indexOf("?", start);
  const raw = queryAt === -1 ? url.slice(start) : url.slice(start, queryAt);
  const hashAt = raw.indexOf("#");
  const path = (hashAt === -1 ? raw : raw.slice(0, hashAt)).replace(/\/{2,}/g, "/");
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
