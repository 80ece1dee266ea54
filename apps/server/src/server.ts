import { readFileSync } from "node:fs";
import {
  createMetrics,
  createRateLimits,
  hashPassword,
  hashToken,
  poolConnection,
  readIntakeStatus,
  type IntakeDependencies,
} from "@orderdeck/api";
import { applyMigrations, createPrismaClient, seedDemoSite, type PrismaClient } from "@orderdeck/db";
import { createLogger, type Logger } from "@orderdeck/logging";
import pg from "pg";
import { buildApp } from "./app.ts";
import type { ServerConfig } from "./config.ts";
import { demoPassword, resolveDatabase } from "./database.ts";

// "worker" joins when the background tasks land (graphile-worker); until then "all" is the API alone.
export const ROLES = ["api", "all"] as const;
export type Role = (typeof ROLES)[number];

const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

export interface DemoSignIn {
  emails: string[];
  password: string;
  /** The demo site (the first site when the database was seeded before). */
  siteId: string | null;
}

export interface RunningServer {
  /** Where the API answers, e.g. http://127.0.0.1:4000 (undefined for a worker-only process). */
  url: string | undefined;
  databaseUrl: string;
  demo: DemoSignIn | undefined;
  logger: Logger;
  prisma: PrismaClient;
  /** What the intake's sync runs need in this process (the demo feed's first sync uses it). */
  intake: IntakeDependencies;
  stop(): Promise<void>;
}

/**
 * Starts one OrderDeck server process: database (embedded when no URL is configured),
 * migrations, the demo seed on an empty development database, then the roles asked for.
 */
export async function startServer(config: ServerConfig, role: Role = "all"): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel, pretty: config.logFormat === "pretty" });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => logger.error("stop failed", { error: String(e) }));
  };

  try {
    const database = await resolveDatabase(config.databaseUrl, config.dataDir, logger);
    stops.push(database.stop);

    if (config.migrateOnStart) {
      const applied = await applyMigrations(database.url, { log: (m) => logger.info(m) });
      if (applied.length === 0) logger.info("database schema is up to date");
    }

    const prisma = createPrismaClient(database.url, { max: config.dbPoolMax });
    stops.push(() => prisma.$disconnect());

    // A run holds its source's advisory lock on a connection of its own for as long as it runs.
    const intakeLockPool = new pg.Pool({ connectionString: database.url, max: 5, connectionTimeoutMillis: 5_000 });
    intakeLockPool.on("error", (error) => logger.warn("intake lock connection lost", { error: error.message }));
    stops.push(() => intakeLockPool.end());
    const intakeEnvironment = {
      withConnection: poolConnection(intakeLockPool),
      settings: { chunkSize: config.intake.chunkSize, timeoutMs: config.intake.fetchTimeoutMs },
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

    let url: string | undefined;
    if (role === "api" || role === "all") {
      const opsPool = new pg.Pool({ connectionString: database.url, max: 2, connectionTimeoutMillis: 2_000 });
      // An idle connection dropped by the database is the pool's to replace, not a crash.
      opsPool.on("error", (error) => logger.warn("health-check connection lost", { error: error.message }));
      stops.push(() => opsPool.end());
      // The rate limiters' own pool: its queries are tiny and time-boxed, so a stuck store
      // refuses sign-ins quickly (they fail closed) instead of holding requests open.
      const rateLimitPool = new pg.Pool({
        connectionString: database.url,
        max: 10,
        connectionTimeoutMillis: 2_000,
        statement_timeout: 2_000,
      });
      rateLimitPool.on("error", (error) => logger.warn("rate-limit connection lost", { error: error.message }));
      stops.push(() => rateLimitPool.end());
      const app = await buildApp({
        prisma,
        logger,
        metrics: createMetrics({ intakeStatus: () => readIntakeStatus(opsPool) }),
        version: VERSION,
        sessions: { secretKey: config.secretKey, idleMs: config.sessionIdleHours * 3_600_000 },
        rateLimits: createRateLimits(rateLimitPool),
        opsPool,
        corsOrigins: config.corsOrigins,
        metricsToken: config.metricsToken,
        trustProxy: config.trustProxy,
        intake: intakeEnvironment,
        intakeLagAlertSeconds: config.intake.lagAlertSeconds,
      });
      stops.push(() => app.close());
      url = await app.listen({ host: config.host, port: config.port });
      logger.info("API listening", { url });
    }

    return { url, databaseUrl: database.url, demo, logger, prisma, intake: { prisma, logger, ...intakeEnvironment }, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
