import { createRequire } from "node:module";
import {
  createMailSender,
  createMetrics,
  createRateLimitPool,
  createRateLimits,
  createSiteChangeListener,
  createSyncStreams,
  hashPassword,
  hashToken,
  poolConnection,
  readIntakeStatus,
  startWorker,
  type IntakeDependencies,
  type IntakeSettings,
  type Metrics,
  type TaskDefinition,
  type WorkerDependencies,
} from "@orderdeck/api";
import { applyMigrations, createPrismaClient, seedDemoSite, type PrismaClient } from "@orderdeck/db";
import { createLogger, type Logger } from "@orderdeck/logging";
import pg from "pg";
import { buildApp } from "./app.ts";
import { startMetricsHttp } from "./metrics-http.ts";
import type { ServerConfig } from "./config.ts";
import { demoPassword, resolveDatabase } from "./database.ts";

// api: HTTP only; worker: background jobs only (graphile-worker, no HTTP unless WORKER_METRICS_PORT);
// all: both in one process (the default, and what `npm start` runs).
export const ROLES = ["api", "worker", "all"] as const;
export type Role = (typeof ROLES)[number];

// By the package's name, not this file's place: the compiled server (build.ts) runs from dist/.
const VERSION: string = (createRequire(import.meta.url)("@orderdeck/server/package.json") as { version: string }).version;

export interface DemoSignIn {
  emails: string[];
  password: string;
  /** The demo site (the first site when the database was seeded before). */
  siteId: string | null;
}

export interface RunningServer {
  /** Where the API answers, e.g. http://127.0.0.1:4000 (undefined for a worker-only process). */
  url: string | undefined;
  /** This process's worker id (graphile-worker's pool id), when it runs the worker. */
  workerId: string | undefined;
  /** Where a worker-only process serves /metrics (WORKER_METRICS_PORT), if it does. */
  workerMetricsUrl: string | undefined;
  /** Where an API process serves /metrics when it has a port of its own (METRICS_PORT). */
  metricsUrl: string | undefined;
  databaseUrl: string;
  demo: DemoSignIn | undefined;
  logger: Logger;
  prisma: PrismaClient;
  /** What the intake's sync runs need in this process (the demo feed's first sync uses it). */
  intake: IntakeDependencies;
  stop(): Promise<void>;
}

/** What only benchmarks and tests change in a server process; production passes nothing. */
export interface ServerOptions {
  /** Tasks the worker runs besides the product's (e.g. the worker benchmark's no-op task). */
  extraTasks?: Record<string, TaskDefinition>;
  /** Run the worker's schedule (default true); a benchmark turns it off so that no cron job joins its measurement. */
  schedule?: boolean;
}

/**
 * Starts one OrderDeck server process: database (embedded when no URL is configured),
 * migrations, the demo seed on an empty development database, then the roles asked for.
 */
export async function startServer(config: ServerConfig, role: Role = "all", options: ServerOptions = {}): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel, pretty: config.logFormat === "pretty" });
  const stops: Array<() => Promise<void>> = [];
  let stopWorker: (() => Promise<void>) | undefined;
  // Stops once (a second call, a signal during shutdown, waits for the first): the worker first, so
  // its running tasks finish and it lets go of its jobs while the database still answers; then the
  // rest in the reverse order of starting, the API before the pools and the database last.
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      const failed = (e: unknown) => logger.error("stop failed", { error: String(e) });
      await stopWorker?.().catch(failed);
      for (const stop of [...stops].reverse()) await stop().catch(failed);
    })();
    return stopping;
  };

  try {
    const database = await resolveDatabase(config, config.dataDir, logger);
    stops.push(database.stop);

    // Connections: requests' and tasks' transactions (Prisma, health checks) go to database.url,
    // which may be a transaction pooler; whatever needs a session of its own goes to
    // database.directUrl: the migrator (Prisma's migrate lock), the intake's source lock, the
    // rate limiters (session settings, named statements), the LISTEN for site changes and the
    // worker's runner (its LISTEN, its locks and the retention lock on its connections).
    if (config.migrateOnStart) {
      const applied = await applyMigrations(database.directUrl, { log: (m) => logger.info(m) });
      if (applied.length === 0) logger.info("database schema is up to date");
    }

    const prisma = createPrismaClient(database.url, { max: config.dbPoolMax, preparedStatements: config.dbPreparedStatements });
    stops.push(() => prisma.$disconnect());
    // Prisma compiles its query compiler (WebAssembly, 4 MB) on the event loop when its client
    // first connects: about 200 ms in which no other request moves. Connected here, before the
    // API listens, that is paid by the start and not by the first request to run a Prisma query
    // (the hot paths run their SQL beside Prisma, so that came minutes into a shop's day).
    // It opens no connection to the database.
    await prisma.$connect();

    // A run holds its source's advisory lock on a connection of its own for as long as it runs.
    const intakeLockPool = new pg.Pool({ connectionString: database.directUrl, max: 5, connectionTimeoutMillis: 5_000 });
    intakeLockPool.on("error", (error) => logger.warn("intake lock connection lost", { error: error.message }));
    stops.push(() => intakeLockPool.end());
    const intakeEnvironment = {
      withConnection: poolConnection(intakeLockPool),
      settings: intakeSettings(config),
    };

    let demo: DemoSignIn | undefined;
    if (config.seedDemo) {
      const password = demoPassword(config.demoPassword, config.dataDir);
      const seeded = await seedDemoSite(prisma, {
        hashPassword,
        hashToken: (token) => hashToken(config.secretKey, token),
        password,
      });
      if (seeded.created) logger.info("seeded the demo site", { jobs: seeded.jobs, customers: seeded.customers });
      demo = { emails: seeded.signInEmails, password, siteId: seeded.siteId };
    }

    if (config.production && !config.publicBaseUrl) {
      logger.warn("PUBLIC_BASE_URL is not set: ready-for-pickup mails carry the pickup code but no link to the customer's status page");
    }

    // One registry per process: /metrics of the API (or of a worker-only process) shows it all.
    const metrics = createMetrics({ intakeStatus: () => readIntakeStatus(intakeLockPool) });
    let workerId: string | undefined;
    let workerMetricsUrl: string | undefined;
    if (role === "worker" || role === "all") {
      const worker = await startWorker(workerDependencies(config, prisma, logger, metrics), {
        databaseUrl: database.directUrl,
        concurrency: config.worker.concurrency,
        staleAfterMs: config.worker.heartbeatStaleMs,
        intakeSchedule: config.intake.schedule,
        ...(options.schedule === false ? { cron: false } : {}),
        ...(options.extraTasks ? { extraTasks: options.extraTasks } : {}),
      });
      stopWorker = () => worker.stop();
      workerId = worker.id;
      if (role === "worker" && config.worker.metricsPort !== undefined) {
        const http = await startMetricsHttp(metrics, config.host, config.worker.metricsPort, config.metricsToken);
        stops.push(http.close);
        workerMetricsUrl = http.url;
        logger.info("worker metrics listening", { url: http.url });
      }
    }

    let url: string | undefined;
    let metricsUrl: string | undefined;
    if (role === "api" || role === "all") {
      const opsPool = new pg.Pool({ connectionString: database.url, max: 2, connectionTimeoutMillis: 2_000 });
      // An idle connection dropped by the database is the pool's to replace, not a crash.
      opsPool.on("error", (error) => logger.warn("health-check connection lost", { error: error.message }));
      stops.push(() => opsPool.end());
      const rateLimitPool = createRateLimitPool(database.directUrl, (error) => logger.warn("rate-limit connection lost", { error: error.message }));
      stops.push(() => rateLimitPool.end());
      // One LISTEN connection per API process, fanned out to its consoles (sync.events).
      const siteChanges = createSiteChangeListener({
        connectionString: database.directUrl,
        logger,
        onPoke: () => metrics.syncPokes.inc(),
      });
      await siteChanges.start();
      stops.push(() => siteChanges.close());
      const app = await buildApp({
        prisma,
        logger,
        metrics,
        siteChanges,
        version: VERSION,
        sessions: { secretKey: config.secretKey, idleMs: config.sessionIdleHours * 3_600_000, maxAgeMs: config.sessionMaxDays * 24 * 3_600_000 },
        syncStreams: createSyncStreams({ perSession: config.syncStreamsPerSession }),
        webhookDestinations: { allowPrivateNetworks: config.webhooks.allowPrivateNetworks },
        rateLimits: createRateLimits(rateLimitPool),
        opsPool,
        corsOrigins: config.corsOrigins,
        metricsToken: config.metricsToken,
        serveMetrics: config.metricsPort === undefined,
        trustProxy: config.trustProxy,
        workerHeartbeatStaleMs: config.worker.heartbeatStaleMs,
        background: { heartbeatStaleMs: config.worker.heartbeatStaleMs },
        intake: intakeEnvironment,
        intakeLagAlertSeconds: config.intake.lagAlertSeconds,
        statusPage: { publicBaseUrl: config.publicBaseUrl },
      });
      stops.push(() => app.close());
      url = await app.listen({ host: config.host, port: config.port });
      logger.info("API listening", { url });
      if (config.metricsPort !== undefined) {
        const http = await startMetricsHttp(metrics, config.host, config.metricsPort, config.metricsToken);
        stops.push(http.close);
        metricsUrl = http.url;
        logger.info("metrics listening", { url: http.url });
      }
    }

    return { url, workerId, workerMetricsUrl, metricsUrl, databaseUrl: database.url, demo, logger, prisma, intake: { prisma, logger, ...intakeEnvironment }, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function intakeSettings(config: ServerConfig): Partial<IntakeSettings> {
  return { chunkSize: config.intake.chunkSize, timeoutMs: config.intake.fetchTimeoutMs, allowPrivateNetworks: config.intake.allowPrivateNetworks };
}

/** Retries wait at most this long, whatever the base and the attempt. */
const MAX_RETRY_DELAY_MS = 6 * 3_600_000;
const RETENTION_BATCH_SIZE = 1_000;
const HANDOFF_REMINDER_GRACE_MS = 15 * 60_000;

function workerDependencies(config: ServerConfig, prisma: WorkerDependencies["prisma"], logger: Logger, metrics: Metrics): WorkerDependencies {
  return {
    prisma,
    logger,
    metrics,
    mail: {
      sender: createMailSender(config.smtp),
      from: config.mailFrom,
      retry: { maxAttempts: config.mailMaxAttempts, baseDelayMs: config.retryBaseMs, maxDelayMs: MAX_RETRY_DELAY_MS },
      statusLinks: { secretKey: config.secretKey, publicBaseUrl: config.publicBaseUrl },
    },
    webhooks: {
      timeoutMs: config.webhooks.timeoutMs,
      disableAfter: config.webhooks.disableAfter,
      retry: { maxAttempts: config.webhooks.maxAttempts, baseDelayMs: config.retryBaseMs, maxDelayMs: MAX_RETRY_DELAY_MS },
      userAgent: `OrderDeck-Webhooks/${VERSION}`,
      allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
      secretKey: config.secretKey,
    },
    retention: { ...config.retention, batchSize: RETENTION_BATCH_SIZE },
    handoffReminders: { graceMs: HANDOFF_REMINDER_GRACE_MS },
    intake: { settings: intakeSettings(config) },
    now: () => new Date(),
  };
}
