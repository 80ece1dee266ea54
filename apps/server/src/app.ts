import { randomUUID } from "node:crypto";
import { appRouter, procedureLabel, type AppRouter, type Context, type ServerDependencies } from "@orderdeck/api";
import { withLogContext } from "@orderdeck/logging";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type pg from "pg";
import { registerExportRoutes } from "./exports.ts";
import { registerMetricsRoute } from "./metrics-http.ts";
import { registerStatusPage } from "./status-page.ts";
import { checkReadiness } from "./readiness.ts";

export interface AppOptions extends ServerDependencies {
  /** A small pool for health checks, kept apart so a saturated request pool cannot fail /readyz. */
  opsPool: pg.Pool;
  corsOrigins: string[];
  metricsToken: string | undefined;
  /** False when /metrics has a port of its own (METRICS_PORT): then this app does not serve it. */
  serveMetrics?: boolean;
  trustProxy?: boolean | number | string;
  /** /readyz fails when no worker's heartbeat is more recent than this. */
  workerHeartbeatStaleMs: number;
  /** /readyz fails while an enabled feed source lags more than this (default 900). */
  intakeLagAlertSeconds?: number;
}

// Accept a caller's request id only if it is short and plain, so it cannot forge log lines.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(req: { headers: Record<string, string | string[] | undefined> }): string {
  const header = req.headers["x-request-id"];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Believe X-Forwarded-For for this many proxies in front of the server, no further. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

const TRPC_ROUTE = "/trpc/:path";

/**
 * The route label of a request: the route's pattern, never the URL a caller sent. Under /trpc the
 * procedure is the useful part, named only if the router has it (procedureLabel), so no request
 * can add a series of its own to /metrics.
 */
function routeOf(request: FastifyRequest): string {
  const route = request.routeOptions.url ?? "unmatched";
  if (route !== TRPC_ROUTE) return route;
  const { path } = request.params as { path?: string };
  return `/trpc/${procedureLabel(path)}`;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { logger, metrics, opsPool } = options;
  // What a procedure or route sees: the process's dependencies plus who is asking.
  const contextOf = (req: FastifyRequest): Context => ({
    ...options,
    requestId: req.id,
    ip: req.ip,
    userAgent: req.headers["user-agent"],
    credentials: {
      authorization: req.headers.authorization,
      stationToken: typeof req.headers["x-station-token"] === "string" ? req.headers["x-station-token"] : undefined,
    },
  });
  const app = Fastify({
    logger: false,
    genReqId: requestIdOf,
    bodyLimit: 1_048_576,
    // sync.events holds a stream open per console; closing the server must not wait for them.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 5_000 },
    trustProxy: typeof options.trustProxy === "number" ? trustHops(options.trustProxy) : (options.trustProxy ?? false),
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    const origin = request.headers.origin;
    if (origin && options.corsOrigins.includes(origin)) {
      reply.header("access-control-allow-origin", origin);
      reply.header("vary", "Origin");
      reply.header("access-control-allow-headers", "authorization, content-type, x-request-id, x-station-token");
      reply.header("access-control-allow-methods", "GET, POST, OPTIONS");
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    const durationMs = reply.elapsedTime;
    const route = routeOf(request);
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      durationMs / 1000,
    );
    logger.info("request", {
      requestId: request.id,
      method: request.method,
      route,
      status: reply.statusCode,
      durationMs: Math.round(durationMs * 10) / 10,
    });
  });

  app.get("/healthz", async () => ({ ok: true }));

  app.get("/readyz", async (_request, reply) => {
    const readiness = await checkReadiness(opsPool, options.version, {
      workerStaleMs: options.workerHeartbeatStaleMs,
      intakeLagAlertSeconds: options.intakeLagAlertSeconds ?? 900,
    });
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });

  if (options.serveMetrics !== false) registerMetricsRoute(app, metrics, options.metricsToken);

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: ({ req }) => contextOf(req),
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          withLogContext({ procedure: path ?? "unknown" }, () =>
            logger.error("unexpected error", { error: error.message, stack: error.stack }),
          );
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  registerExportRoutes(app, contextOf);
  await registerStatusPage(app, { ...options, secretKey: options.sessions.secretKey });

  return app;
}
