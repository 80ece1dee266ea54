import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { IntakeSourceStatus } from "../intake/status.ts";

export interface MetricsOptions {
  /**
   * Reads every intake source's state from the database. Called when /metrics is scraped, so each
   * instance reports what the database says, whichever process ran the sync.
   */
  intakeStatus?: () => Promise<IntakeSourceStatus[]>;
}

const INTAKE_LABELS = ["site_id", "source_id", "source"] as const;

/** Per-source intake gauges, filled from one read of the database per scrape. */
function intakeGauges(registry: Registry, read: () => Promise<IntakeSourceStatus[]>) {
  // A scrape collects every metric at once: the gauges below share the read in flight.
  let pending: Promise<IntakeSourceStatus[] | null> | null = null;
  const current = () => {
    pending ??= read()
      .catch(() => null)
      .finally(() => {
        pending = null;
      });
    return pending;
  };
  new Gauge({
    name: "orderdeck_intake_status_up",
    help: "1 when this scrape could read the intake sources' state from the database, 0 when not (the intake gauges are then empty)",
    registers: [registry],
    async collect() {
      this.set((await current()) ? 1 : 0);
    },
  });
  const labelsOf = (s: IntakeSourceStatus) => ({ site_id: s.siteId, source_id: s.sourceId, source: s.name });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, rows: IntakeSourceStatus[]) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const rows = await current();
        this.reset();
        if (rows) fill(this, rows.filter((s) => s.enabled));
      },
    });
  gauge("orderdeck_intake_lag_seconds", "Seconds the storefront has had changes the intake has not taken (0: caught up), per enabled source", INTAKE_LABELS, (g, rows) => {
    for (const s of rows) g.set(labelsOf(s), s.lagSeconds);
  });
  gauge("orderdeck_intake_consecutive_failures", "Failed runs in a row, per enabled source", INTAKE_LABELS, (g, rows) => {
    for (const s of rows) g.set(labelsOf(s), s.consecutiveFailures);
  });
  gauge(
    "orderdeck_intake_last_run_rows",
    "Rows of the last finished run by outcome (seen, inserted, updated, unchanged, rejected, flagged), per enabled source",
    [...INTAKE_LABELS, "outcome"] as const,
    (g, rows) => {
      for (const s of rows) {
        if (!s.lastRun) continue;
        for (const outcome of ["seen", "inserted", "updated", "unchanged", "rejected", "flagged"] as const) {
          g.set({ ...labelsOf(s), outcome }, s.lastRun[outcome]);
        }
      }
    },
  );
}

/**
 * The Prometheus metrics of one server process. A registry per process (not prom-client's global
 * one) so tests can build several servers side by side without clashing names.
 */
/** A request-latency histogram: HTTP requests and tRPC procedures are read side by side, so they share buckets. */
function latencyHistogram<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]): Histogram<T> {
  return new Histogram({ name, help, labelNames, buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "orderdeck_" });
  if (options.intakeStatus) intakeGauges(registry, options.intakeStatus);
  return {
    registry,
    httpRequestDuration: latencyHistogram(registry, "orderdeck_http_request_duration_seconds", "HTTP request duration by route and status code", ["method", "route", "status"] as const),
    procedureDuration: latencyHistogram(registry, "orderdeck_procedure_duration_seconds", "tRPC procedure duration by procedure, type and result code", ["procedure", "type", "code"] as const),
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
