import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The Prometheus metrics of one server process. A registry per process (not prom-client's global
 * one) so tests can build several servers side by side without clashing names.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "orderdeck_" });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "orderdeck_http_request_duration_seconds",
      help: "HTTP request duration by route and status code",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    procedureDuration: new Histogram({
      name: "orderdeck_procedure_duration_seconds",
      help: "tRPC procedure duration by procedure, type and result code",
      labelNames: ["procedure", "type", "code"] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    procedureErrors: new Counter({
      name: "orderdeck_procedure_errors_total",
      help: "tRPC procedure errors by procedure and code",
      labelNames: ["procedure", "code"] as const,
      registers: [registry],
    }),
    rateLimitRejections: new Counter({
      name: "orderdeck_rate_limit_rejections_total",
      help: "Calls refused by a rate limiter (over the limit, or its store unavailable: it fails closed), by limiter",
      labelNames: ["limiter"] as const,
      registers: [registry],
    }),
    taskDuration: new Histogram({
      name: "orderdeck_task_duration_seconds",
      help: "Background task duration by task and outcome (ok, failed)",
      labelNames: ["task", "outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    taskFailures: new Counter({
      name: "orderdeck_task_failures_total",
      help: "Background task attempts that failed, by task and whether it was the last attempt (final=true: given up)",
      labelNames: ["task", "final"] as const,
      registers: [registry],
    }),
    syncMutations: new Counter({
      name: "orderdeck_sync_mutations_total",
      help: "Console outbox replays: mutations received by sync.push, by type, outcome (applied, rejected, conflict) and whether it was a repeat",
      labelNames: ["type", "outcome", "replayed"] as const,
      registers: [registry],
    }),
    syncPokes: new Counter({
      name: "orderdeck_sync_pokes_total",
      help: "Pokes sent to subscribed consoles (sync.events) after their site's rows changed",
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: "orderdeck_login_failures_total",
      help: "Refused sign-ins by reason (credentials, locked, unavailable)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
