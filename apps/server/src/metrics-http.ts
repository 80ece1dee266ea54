import { createHash, timingSafeEqual } from "node:crypto";
import type { Metrics } from "@orderdeck/api";
import Fastify, { type FastifyInstance } from "fastify";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Whether an Authorization header carries the metrics token. Compared as SHA-256 digests with
 * timingSafeEqual: equal lengths whatever was sent, and no early exit that times the first wrong byte.
 */
export function metricsTokenMatches(token: string, authorization: string | undefined): boolean {
  return timingSafeEqual(digest(`Bearer ${token}`), digest(authorization ?? ""));
}

/** GET /metrics: the process's registry, behind `Authorization: Bearer <METRICS_TOKEN>` when a token is set. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, metricsToken: string | undefined): void {
  app.get("/metrics", async (request, reply) => {
    if (metricsToken !== undefined && !metricsTokenMatches(metricsToken, request.headers.authorization)) {
      return reply.code(401).send({ error: "metrics need the bearer token set in METRICS_TOKEN" });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/**
 * A port of its own for /metrics (and /healthz), nothing else: a worker-only process has no API
 * but Prometheus still needs its task durations and failures (WORKER_METRICS_PORT), and an API
 * process can keep /metrics off its public port (METRICS_PORT).
 */
export async function startMetricsHttp(
  metrics: Metrics,
  host: string,
  port: number,
  metricsToken: string | undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get("/healthz", async () => ({ ok: true }));
  registerMetricsRoute(app, metrics, metricsToken);
  const url = await app.listen({ host, port });
  return { url, close: () => app.close() };
}
