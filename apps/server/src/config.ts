import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SERVER_RETENTION_DEFAULTS, type ServerRetention } from "@orderdeck/api";
import { z } from "zod";

const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const port = z.coerce.number().int().min(0).max(65535);

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL");

// Five crontab fields (minute hour day-of-month month day-of-week), as the worker's scheduler reads them.
const cron = z.string().trim().regex(/^(\S+\s+){4}\S+$/, "must be five crontab fields, e.g. \"* * * * *\"");

/** Every environment variable the server reads; the README's configuration table mirrors this. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(4000),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  ORDERDECK_DATA_DIR: z.string().min(1).default(".data"),
  ORDERDECK_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  ORDERDECK_MIGRATE_ON_START: boolean.optional(),
  ORDERDECK_SEED_DEMO: boolean.optional(),
  ORDERDECK_DEMO_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  LOG_LEVEL: z.enum(["error", "warn", "info", "http", "verbose", "debug", "silly"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  CORS_ORIGINS: z.string().default(""),
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://orders.example.com" })
    .refine((url) => !/^https?:\/\/[^/]*@/.test(url) && !/[?#]/.test(url), "must be a plain http(s) address without credentials, query or fragment")
    .optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  METRICS_PORT: port.optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  DB_PREPARED_STATEMENTS: boolean.optional(),
  TRUST_PROXY: z
    .string()
    .regex(/^(false|true|\d+|[0-9a-fA-F.:/, ]+)$/, "must be false, true, a hop count, or addresses/CIDRs of the proxies")
    .default("false"),
  SESSION_IDLE_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  SESSION_MAX_DAYS: z.coerce.number().positive().max(365).default(7),
  SYNC_STREAMS_PER_SESSION: z.coerce.number().int().min(1).max(100).default(4),
  SMTP_HOST: z.string().trim().min(1).optional(),
  SMTP_PORT: port.optional(),
  SMTP_SECURE: boolean.optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .regex(/^[^\r\n]*[^\s@<>]+@[^\s@<>]+>?$/, "must be an address, optionally with a name: Workshop <orders@example.com>")
    .optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  WORKER_HEARTBEAT_STALE_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  WORKER_METRICS_PORT: port.optional(),
  RETRY_BASE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  WEBHOOK_DISABLE_AFTER: z.coerce.number().int().min(1).max(1000).default(5),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean.optional(),
  INTAKE_LAG_ALERT_SECONDS: z.coerce.number().int().min(1).default(900),
  INTAKE_CHUNK_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  INTAKE_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  INTAKE_SYNC_CRON: cron.default("* * * * *"),
  INTAKE_FULL_SYNC_CRON: cron.default("30 2 * * *"),
  INTAKE_ALLOW_PRIVATE_NETWORKS: boolean.optional(),
  INTAKE_RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(SERVER_RETENTION_DEFAULTS.intakeRunDays),
  // Never below a week: a console may be away over a long weekend with answers it has not landed.
  CLIENT_MUTATION_RETENTION_DAYS: z.coerce.number().int().min(7).max(3650).default(SERVER_RETENTION_DEFAULTS.clientMutationDays),
  SESSION_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(SERVER_RETENTION_DEFAULTS.expiredSessionDays),
});

export type Env = z.infer<typeof EnvSchema>;

export interface ServerConfig {
  production: boolean;
  host: string;
  port: number;
  /** Unset: run an embedded PostgreSQL under `dataDir` (development only). May point at a transaction pooler (PgBouncer). */
  databaseUrl: string | undefined;
  /**
   * The same database without a transaction pooler in between, for what needs a session of its
   * own: LISTEN, advisory locks held across transactions, graphile-worker's runner, the migrator,
   * session settings. Unset: databaseUrl.
   */
  databaseDirectUrl: string | undefined;
  dataDir: string;
  secretKey: string;
  migrateOnStart: boolean;
  seedDemo: boolean;
  demoPassword: string | undefined;
  logLevel: string;
  logFormat: "json" | "pretty";
  corsOrigins: string[];
  /**
   * Where customers reach this server's status pages (the links in their mails), without a
   * trailing slash. Development: this server's own address; production: PUBLIC_BASE_URL or none.
   */
  publicBaseUrl: string | undefined;
  metricsToken: string | undefined;
  /** Set: an API process serves /metrics on this port of its own, not on `port`. */
  metricsPort: number | undefined;
  dbPoolMax: number;
  /** DB_PREPARED_STATEMENTS: name the statements on DATABASE_URL (default: unless it goes through a pooler). */
  dbPreparedStatements: boolean;
  /** A session unused this long expires; each use extends it (rolling expiry). */
  sessionIdleHours: number;
  /** However much it is used, a session ends this long after sign-in. */
  sessionMaxDays: number;
  /** sync.events streams one session may hold open in one API process; a newer one closes the oldest. */
  syncStreamsPerSession: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (per-IP rate limits and
   * the audit log need the real one behind a load balancer); false believes none.
   */
  trustProxy: boolean | number | string;
  /** Where mail goes. Development defaults to the local mail sink `npm start` runs (127.0.0.1:2525). */
  smtp: { host: string; port: number; secure: boolean; user: string | undefined; password: string | undefined };
  mailFrom: string;
  worker: {
    concurrency: number;
    /** A worker whose heartbeat is older than this is gone: /readyz fails, its jobs are released. */
    heartbeatStaleMs: number;
    /** A worker-only process (--role=worker) serves /healthz and /metrics on this port when set. */
    metricsPort: number | undefined;
  };
  /** Backoff of mail and webhook retries: the first wait; each later one doubles, up to six hours. */
  retryBaseMs: number;
  mailMaxAttempts: number;
  webhooks: { maxAttempts: number; timeoutMs: number; disableAfter: number; allowPrivateNetworks: boolean };
  intake: {
    /** /readyz fails while an enabled feed source lags more than this. */
    lagAlertSeconds: number;
    chunkSize: number;
    fetchTimeoutMs: number;
    /** Read storefronts on loopback, private and link-local addresses too (the shop's own network). */
    allowPrivateNetworks: boolean;
    /** When the worker runs incremental syncs and the nightly full reconciliation. */
    schedule: { incrementalCron: string; fullCron: string };
  };
  /** The hourly retention's server-wide settings; the per-site ones are the site's own (retention.update). */
  retention: ServerRetention;
}

/** Where `npm start` runs its local mail sink unless told otherwise (ORDERDECK_SMTP_PORT). */
export const DEV_MAIL_SINK = { host: "127.0.0.1", port: 2525 } as const;

export class ConfigError extends Error {
  override name = "ConfigError";
}

// Development keeps a generated key beside its data so restarts keep sessions valid; production
// must be given one, because a generated key would silently differ between instances.
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, "secret-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

// A link in a customer's mail must reach the server from the customer's phone: production knows
// that address only from PUBLIC_BASE_URL; development links to itself (loopback unless bound elsewhere).
function publicBaseUrlOf(e: Env, production: boolean): string | undefined {
  if (e.PUBLIC_BASE_URL) return e.PUBLIC_BASE_URL.replace(/\/+$/, "");
  if (production) return undefined;
  const host = e.HOST === "0.0.0.0" || e.HOST === "::" ? "127.0.0.1" : e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST;
  return `http://${host}:${e.PORT}`;
}

/** Reads and validates the environment; a bad or missing value stops the start, naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const dataDir = path.resolve(e.ORDERDECK_DATA_DIR);
  // A direct line alone would leave the API on the embedded database and the sessions elsewhere.
  if (e.DATABASE_DIRECT_URL && !e.DATABASE_URL) {
    throw new ConfigError("Invalid configuration:\n  DATABASE_DIRECT_URL: is set without DATABASE_URL; set DATABASE_URL to the database (or its pooler) as well");
  }
  if (production) {
    const missing = [
      e.DATABASE_URL ? null : "DATABASE_URL (production never runs the embedded database)",
      e.ORDERDECK_SECRET_KEY ? null : "ORDERDECK_SECRET_KEY (at least 32 random characters)",
      // Without a mail server the customers' mails would only pile up in the mail log.
      e.SMTP_HOST ? null : "SMTP_HOST (the mail server for customer mail)",
      e.MAIL_FROM ? null : "MAIL_FROM (the sender of customer mail, e.g. Workshop <orders@example.com>)",
      // /metrics names every procedure, its error rates and the intake's sources: not for anyone who asks.
      e.METRICS_TOKEN || e.METRICS_PORT !== undefined
        ? null
        : "METRICS_TOKEN (at least 16 random characters; Prometheus sends it as a bearer token), or METRICS_PORT (a port only the monitoring network reaches)",
    ].filter((m): m is string => m !== null);
    if (missing.length > 0) {
      throw new ConfigError(`Refusing to start in production without:\n${missing.map((m) => `  ${m}`).join("\n")}`);
    }
  }
  return {
    production,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_URL ? (e.DATABASE_DIRECT_URL ?? e.DATABASE_URL) : undefined,
    dataDir,
    secretKey: e.ORDERDECK_SECRET_KEY ?? developmentSecret(dataDir),
    migrateOnStart: e.ORDERDECK_MIGRATE_ON_START ?? true,
    seedDemo: e.ORDERDECK_SEED_DEMO ?? !production,
    demoPassword: e.ORDERDECK_DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (production ? "json" : "pretty"),
    corsOrigins: e.CORS_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
    publicBaseUrl: publicBaseUrlOf(e, production),
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    dbPoolMax: e.DB_POOL_MAX,
    // A DATABASE_DIRECT_URL of its own says a pooler sits in front of DATABASE_URL; PgBouncer in
    // transaction mode carries named statements only from 1.21, with max_prepared_statements set.
    dbPreparedStatements: e.DB_PREPARED_STATEMENTS ?? (!e.DATABASE_DIRECT_URL || e.DATABASE_DIRECT_URL === e.DATABASE_URL),
    sessionIdleHours: e.SESSION_IDLE_HOURS,
    sessionMaxDays: e.SESSION_MAX_DAYS,
    syncStreamsPerSession: e.SYNC_STREAMS_PER_SESSION,
    trustProxy:
      e.TRUST_PROXY === "false" ? false : e.TRUST_PROXY === "true" ? true : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    smtp: {
      host: e.SMTP_HOST ?? DEV_MAIL_SINK.host,
      port: e.SMTP_PORT ?? (e.SMTP_HOST ? (e.SMTP_SECURE ? 465 : 587) : DEV_MAIL_SINK.port),
      secure: e.SMTP_SECURE ?? false,
      user: e.SMTP_USER,
      password: e.SMTP_PASSWORD,
    },
    mailFrom: e.MAIL_FROM ?? "OrderDeck <orderdeck@localhost>",
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      heartbeatStaleMs: e.WORKER_HEARTBEAT_STALE_SECONDS * 1000,
      metricsPort: e.WORKER_METRICS_PORT,
    },
    retryBaseMs: e.RETRY_BASE_SECONDS * 1000,
    mailMaxAttempts: e.MAIL_MAX_ATTEMPTS,
    webhooks: { maxAttempts: e.WEBHOOK_MAX_ATTEMPTS, timeoutMs: e.WEBHOOK_TIMEOUT_MS, disableAfter: e.WEBHOOK_DISABLE_AFTER, allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? false },
    intake: {
      lagAlertSeconds: e.INTAKE_LAG_ALERT_SECONDS,
      chunkSize: e.INTAKE_CHUNK_SIZE,
      fetchTimeoutMs: e.INTAKE_FETCH_TIMEOUT_MS,
      allowPrivateNetworks: e.INTAKE_ALLOW_PRIVATE_NETWORKS ?? false,
      schedule: { incrementalCron: e.INTAKE_SYNC_CRON, fullCron: e.INTAKE_FULL_SYNC_CRON },
    },
    retention: {
      intakeRunDays: e.INTAKE_RUN_RETENTION_DAYS,
      clientMutationDays: e.CLIENT_MUTATION_RETENTION_DAYS,
      expiredSessionDays: e.SESSION_RETENTION_DAYS,
    },
  };
}
