import type { Metrics } from "@orderdeck/api";
import Fastify from "fastify";

/**
 * A worker-only process has no API, but Prometheus still needs its task durations and failures:
 * /metrics (behind METRICS_TOKEN when set) and /healthz, nothing else.
 */
export async function startWorkerHttp(
  metrics: Metrics,
  host: string,
  port: number,
  metricsToken: string | undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get("/healthz", async () => ({ ok: true }));
  app.get("/metrics", async (request, reply) => {
    if (metricsToken && request.headers.authorization !== `Bearer ${metricsToken}`) {
      return reply.code(401).send({ error: "metrics need the bearer token set in METRICS_TOKEN" });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const url = await app.listen({ host, port });
  return { url, close: () => app.close() };
}
