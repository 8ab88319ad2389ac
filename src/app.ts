/**
 * The Hono app: middleware order and route table. Order matters: request ids first so
 * every response has one; /ping before auth because it is the only public route;
 * everything registered after `bearerAuth` is protected, including unknown paths, so
 * no spelling of a path can reach a handler without a key.
 */
import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { settingsFor } from "./config/settings";
import type { AppEnv } from "./env";
import { MethodNotAllowedError } from "./errors";
import { bearerAuth } from "./middleware/auth";
import { notFound, onError } from "./middleware/error-handler";
import { normalizedPath } from "./middleware/path";
import { chatRoutes } from "./routes/chat";
import { modelsRoutes } from "./routes/models";
import { statusRoutes } from "./routes/status";

export const app = new Hono<AppEnv>({ getPath: normalizedPath });

app.use(requestId({ headerName: "x-request-id", limitLength: 128 }));
app.use(
  methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      throw new MethodNotAllowedError(c.req.method, methods);
    },
  }),
);

app.on(["GET", "HEAD"], "/ping", (c) => c.text("OK"));
app.all("/ping", (c) => {
  throw new MethodNotAllowedError(c.req.method, ["GET", "HEAD"]);
});

app.use(bearerAuth());
app.use(async (c, next) => {
  c.set("settings", settingsFor(c.env));
  await next();
});

for (const base of ["/", "/v1"]) {
  app.route(base, modelsRoutes);
  app.route(base, chatRoutes);
  app.route(base, statusRoutes);
}

app.notFound(notFound);
app.onError(onError);
