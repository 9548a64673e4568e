// The control server's HTTP application: health, readiness, metrics, and the authenticated /api/.
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from "fastify";
import type pg from "pg";
import { migrationsComplete } from "../db/migrate.ts";
import { releaseBundlePath, releaseVersion } from "../system/version.ts";
import { requireBearerToken } from "./auth.ts";
import { errorBody, HttpError, httpErrorOf } from "./errors.ts";
import { type EventRelay, eventRoutes } from "./events.ts";
import { createServerMetrics, type ServerMetrics } from "./metrics.ts";
import { apiPlugins } from "./routes/index.ts";
import type { ApiServices } from "./services.ts";
import { uiRoutes } from "./ui.ts";

export interface AppOptions extends Partial<Omit<ApiServices, "pool">> {
  pool: pg.Pool;
  logger?: FastifyServerOptions["logger"];
  /** The process's own logger, shared with its subsystems (instead of `logger`). */
  loggerInstance?: FastifyBaseLogger;
  /** Relays database notifications to GET /api/events (the UI's live updates). */
  events?: EventRelay;
  /** Serve HTTPS with this certificate and key. */
  https?: { cert: string; key: string } | undefined;
  /** The process's metrics registry, where subsystems add theirs (a new one when absent). */
  metrics?: ServerMetrics;
}

declare module "fastify" {
  interface FastifyInstance {
    pool: pg.Pool;
    metrics: ServerMetrics;
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? false }),
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
  });
  const metrics = options.metrics ?? createServerMetrics();
  app.decorate("pool", options.pool);
  app.decorate("metrics", metrics);

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error: unknown, request, reply) => {
    const known = httpErrorOf(error);
    if (known) {
      return reply
        .status(known.statusCode)
        .send(errorBody(known.statusCode, known.message, known.details, known.code));
    }
    const failure = error as { statusCode?: number; message?: string; validation?: unknown; code?: string };
    const status = failure.statusCode && failure.statusCode >= 400 ? failure.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, "request failed");
    const message =
      status >= 500
        ? "internal error; the server log has the details (request id in x-request-id)"
        : (failure.message ?? "bad request");
    return reply.status(status).send(errorBody(status, message, failure.validation ?? null));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, `no route for ${request.method} ${request.url.split("?")[0]}`));
  });

  requireBearerToken(app, options.pool, (url) => url === "/api" || url.startsWith("/api/"));

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    try {
      await options.pool.query("select 1");
      if (!(await migrationsComplete(options.pool))) {
        return reply.status(503).send(errorBody(503, "database migrations are not complete"));
      }
      return { status: "ready" };
    } catch (error) {
      return reply.status(503).send(errorBody(503, `database unreachable: ${(error as Error).message}`));
    }
  });
  app.get("/metrics", async (_request, reply) => {
    let text: string;
    try {
      text = await metrics.registry.metrics();
    } catch (error) {
      // The subsystems' metrics are read from the database: without it, no partial answer that would
      // show their series as gone.
      throw new HttpError(
        503,
        "metrics_unavailable",
        `reading the metrics failed: ${(error as Error).message}; /readyz says whether the database is reachable`,
      );
    }
    reply.header("content-type", metrics.registry.contentType);
    return text;
  });

  await app.register(
    async (api) => {
      const services: ApiServices = {
        pool: options.pool,
        store: options.store ?? null,
        ingest: options.ingest ?? null,
        fleet: options.fleet ?? null,
        workerBackend: options.workerBackend ?? null,
        cycle: options.cycle ?? null,
        planner: options.planner ?? null,
        version: options.version ?? releaseVersion(),
        releaseBundle: options.releaseBundle !== undefined ? options.releaseBundle : releaseBundlePath(),
        dataSources: options.dataSources ?? [],
        dataRoleSettings: options.dataRoleSettings ?? null,
      };
      for (const plugin of apiPlugins) await api.register(plugin, services);
      if (options.events) await api.register(eventRoutes(options.events));
    },
    { prefix: "/api" },
  );
  await app.register(uiRoutes);
  return app;
}
