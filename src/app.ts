/**
 * The Hono app: middleware order and route table. Order matters: request ids first so
 * every response has one; CORS next, so a browser's preflight is answered without a key
 * and every answer to an allowed origin (errors too) says so; /ping and /dashboard before
 * auth because they are the only public routes (the dashboard page holds no data: it asks
 * for a key, then calls /v1/status and /v1/usage with it); everything registered after `bearerAuth` is
 * protected, including unknown paths, so no spelling of a path can reach a handler
 * without a key.
 */
import { Hono } from "hono/tiny";
import type { AppEnv } from "./env";
import { MethodNotAllowedError } from "./errors";
import { bearerAuth } from "./middleware/auth";
import { cors } from "./middleware/cors";
import { notFound, onError } from "./middleware/error-handler";
import { methodNotAllowed } from "./middleware/method-not-allowed";
import { normalizedPath } from "./middleware/path";
import { requestId } from "./middleware/request-id";
import { loadSettings } from "./middleware/settings";
import { requestLogger } from "./observability/request-log";
import { chatRoutes } from "./routes/chat";
import { dashboardRoutes } from "./routes/dashboard";
import { embeddingRoutes } from "./routes/embeddings";
import { imageRoutes } from "./routes/images";
import { messagesRoutes } from "./routes/messages";
import { connectivityProbe } from "./routes/probe";
import { modelsRoutes } from "./routes/models";
import { responsesRoutes } from "./routes/responses";
import { statusRoutes } from "./routes/status";
import { usageRoutes } from "./routes/usage";

export const app = new Hono<AppEnv>({ getPath: normalizedPath });

app.use(requestId());
app.use(cors());
app.use(requestLogger());
app.use(methodNotAllowed(app));

app.on(["GET", "HEAD"], "/ping", (c) => c.text("OK"));
app.all("/ping", (c) => {
  throw new MethodNotAllowedError(c.req.method, ["GET", "HEAD"]);
});
app.route("/", dashboardRoutes);
app.use(connectivityProbe());

app.use(bearerAuth());
app.use(loadSettings());

for (const base of ["/", "/v1"]) {
  app.route(base, modelsRoutes);
  app.route(base, chatRoutes);
  app.route(base, messagesRoutes);
  app.route(base, responsesRoutes);
  app.route(base, imageRoutes);
  app.route(base, embeddingRoutes);
  app.route(base, statusRoutes);
  app.route(base, usageRoutes);
}

app.notFound(notFound);
app.onError(onError);
