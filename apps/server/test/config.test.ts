import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "orderdeck-config-"));

describe("configuration", () => {
  it("runs with no settings at all in development, with a generated secret kept between starts", () => {
    const dir = dataDir();
    const first = loadConfig({ ORDERDECK_DATA_DIR: dir });
    const second = loadConfig({ ORDERDECK_DATA_DIR: dir });
    expect(first.port).toBe(4000);
    expect(first.host).toBe("127.0.0.1");
    expect(first.databaseUrl).toBeUndefined();
    expect(first.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(second.secretKey).toBe(first.secretKey);
    expect(first.corsOrigins).toEqual([]);
  });

  it("names the variable when a value is bad", () => {
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), LOG_LEVEL: "loud" })).toThrow(ConfigError);
  });

  it("refuses to start in production without its secrets", () => {
    expect(() => loadConfig({ NODE_ENV: "production", ORDERDECK_DATA_DIR: dataDir() })).toThrow(
      /DATABASE_URL[\s\S]*ORDERDECK_SECRET_KEY/,
    );
    expect(() =>
      loadConfig({ NODE_ENV: "production", DATABASE_URL: "postgresql://db/orderdeck", ORDERDECK_SECRET_KEY: "short" }),
    ).toThrow(/ORDERDECK_SECRET_KEY/);
  });

  it("starts in production with its secrets, logging JSON and seeding nothing", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://db/orderdeck",
      ORDERDECK_SECRET_KEY: "x".repeat(40),
      SMTP_HOST: "smtp.example.com",
      MAIL_FROM: "Workshop <orders@example.com>",
      METRICS_TOKEN: "m".repeat(24),
    });
    expect(config.logFormat).toBe("json");
    expect(config.seedDemo).toBe(false);
    expect(config.smtp).toEqual({ host: "smtp.example.com", port: 587, secure: false, user: undefined, password: undefined });
  });

  it("refuses to start in production without a mail server, so no customer mail is silently lost", () => {
    const base = { NODE_ENV: "production", DATABASE_URL: "postgresql://db/orderdeck", ORDERDECK_SECRET_KEY: "x".repeat(40) };
    expect(() => loadConfig(base)).toThrow(/SMTP_HOST[\s\S]*MAIL_FROM/);
    expect(() => loadConfig({ ...base, SMTP_HOST: "smtp.example.com" })).toThrow(/MAIL_FROM/);
  });

  it("refuses to start in production with /metrics open to anyone: it needs METRICS_TOKEN or a port of its own", () => {
    const base = {
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://db/orderdeck",
      ORDERDECK_SECRET_KEY: "x".repeat(40),
      SMTP_HOST: "smtp.example.com",
      MAIL_FROM: "Workshop <orders@example.com>",
    };
    expect(() => loadConfig(base)).toThrow(/Refusing to start in production without:\n {2}METRICS_TOKEN .*or METRICS_PORT/);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: "too-short" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(loadConfig({ ...base, METRICS_TOKEN: "m".repeat(24) }).metricsToken).toBe("m".repeat(24));
    expect(loadConfig({ ...base, METRICS_PORT: "9464" })).toMatchObject({ metricsToken: undefined, metricsPort: 9464 });
    // Development keeps /metrics on the API port, open, as before.
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() })).toMatchObject({ metricsToken: undefined, metricsPort: undefined });
  });

  it("reads the session lifetimes and the event streams per session, with their defaults", () => {
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() })).toMatchObject({ sessionIdleHours: 12, sessionMaxDays: 7, syncStreamsPerSession: 4 });
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), SESSION_MAX_DAYS: "1", SYNC_STREAMS_PER_SESSION: "2" })).toMatchObject({
      sessionMaxDays: 1,
      syncStreamsPerSession: 2,
    });
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), SESSION_MAX_DAYS: "0" })).toThrow(/SESSION_MAX_DAYS/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), SYNC_STREAMS_PER_SESSION: "0" })).toThrow(/SYNC_STREAMS_PER_SESSION/);
  });

  it("reads the server's retention settings, refusing a ledger retention under a week", () => {
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() }).retention).toEqual({ intakeRunDays: 30, clientMutationDays: 30, expiredSessionDays: 7 });
    const config = loadConfig({ ORDERDECK_DATA_DIR: dataDir(), INTAKE_RUN_RETENTION_DAYS: "90", CLIENT_MUTATION_RETENTION_DAYS: "60", SESSION_RETENTION_DAYS: "0" });
    expect(config.retention).toEqual({ intakeRunDays: 90, clientMutationDays: 60, expiredSessionDays: 0 });
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), CLIENT_MUTATION_RETENTION_DAYS: "3" })).toThrow(/CLIENT_MUTATION_RETENTION_DAYS/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), INTAKE_RUN_RETENTION_DAYS: "0" })).toThrow(/INTAKE_RUN_RETENTION_DAYS/);
  });

  it("takes the direct database line from DATABASE_DIRECT_URL, else DATABASE_URL, and never alone", () => {
    const pooled = "postgresql://orderdeck@pgbouncer:6432/orderdeck";
    const direct = "postgresql://orderdeck@db:5432/orderdeck";
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: pooled, DATABASE_DIRECT_URL: direct })).toMatchObject({ databaseUrl: pooled, databaseDirectUrl: direct });
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: direct })).toMatchObject({ databaseUrl: direct, databaseDirectUrl: direct });
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() }).databaseDirectUrl).toBeUndefined();
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_DIRECT_URL: direct })).toThrow(/DATABASE_DIRECT_URL[\s\S]*set DATABASE_URL/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: pooled, DATABASE_DIRECT_URL: "db:5432" })).toThrow(/DATABASE_DIRECT_URL/);
  });

  it("names statements on a direct database line, not through a pooler unless told it carries them", () => {
    const pooled = "postgresql://orderdeck@pgbouncer:6432/orderdeck";
    const direct = "postgresql://orderdeck@db:5432/orderdeck";
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() }).dbPreparedStatements).toBe(true);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: direct }).dbPreparedStatements).toBe(true);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: direct, DATABASE_DIRECT_URL: direct }).dbPreparedStatements).toBe(true);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: pooled, DATABASE_DIRECT_URL: direct }).dbPreparedStatements).toBe(false);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: pooled, DATABASE_DIRECT_URL: direct, DB_PREPARED_STATEMENTS: "true" }).dbPreparedStatements).toBe(true);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DATABASE_URL: direct, DB_PREPARED_STATEMENTS: "false" }).dbPreparedStatements).toBe(false);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), DB_PREPARED_STATEMENTS: "sometimes" })).toThrow(/DB_PREPARED_STATEMENTS/);
  });

  it("reads CORS origins as a list", () => {
    const config = loadConfig({ ORDERDECK_DATA_DIR: dataDir(), CORS_ORIGINS: "https://a.example, https://b.example" });
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });
});

describe("background work", () => {
  it("sends development mail to the local mail sink, and reads the worker and retry settings", () => {
    const config = loadConfig({ ORDERDECK_DATA_DIR: dataDir() });
    expect(config.smtp).toMatchObject({ host: "127.0.0.1", port: 2525, secure: false });
    expect(config.worker).toEqual({ concurrency: 4, heartbeatStaleMs: 30_000, metricsPort: undefined });
    expect(config.webhooks).toEqual({ maxAttempts: 8, timeoutMs: 5_000, disableAfter: 5, allowPrivateNetworks: false });
    expect(config.intake.allowPrivateNetworks).toBe(false);
    const tuned = loadConfig({
      ORDERDECK_DATA_DIR: dataDir(),
      SMTP_HOST: "mail.example.com",
      SMTP_SECURE: "true",
      WORKER_CONCURRENCY: "8",
      WORKER_HEARTBEAT_STALE_SECONDS: "60",
      RETRY_BASE_SECONDS: "5",
      WEBHOOK_DISABLE_AFTER: "3",
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
      INTAKE_ALLOW_PRIVATE_NETWORKS: "true",
    });
    expect(tuned.smtp).toMatchObject({ host: "mail.example.com", port: 465, secure: true });
    expect(tuned.worker.concurrency).toBe(8);
    expect(tuned.worker.heartbeatStaleMs).toBe(60_000);
    expect(tuned.retryBaseMs).toBe(5_000);
    expect(tuned.webhooks.disableAfter).toBe(3);
    expect(tuned.webhooks.allowPrivateNetworks).toBe(true);
    expect(tuned.intake.allowPrivateNetworks).toBe(true);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), INTAKE_ALLOW_PRIVATE_NETWORKS: "sometimes" })).toThrow(/INTAKE_ALLOW_PRIVATE_NETWORKS/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), WORKER_CONCURRENCY: "0" })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), MAIL_FROM: "nobody" })).toThrow(/MAIL_FROM/);
  });
});

describe("proxy trust", () => {
  it("believes no proxy by default and reads hop counts and addresses", () => {
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() }).trustProxy).toBe(false);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), TRUST_PROXY: "10.0.0.0/8" }).trustProxy).toBe("10.0.0.0/8");
    expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), TRUST_PROXY: "everyone" })).toThrow(/TRUST_PROXY/);
  });
});

describe("the public base URL of customers' status page links", () => {
  it("is this server's own address in development, PUBLIC_BASE_URL when set, and none in production without it", () => {
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir() }).publicBaseUrl).toBe("http://127.0.0.1:4000");
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), HOST: "0.0.0.0", PORT: "4100" }).publicBaseUrl).toBe("http://127.0.0.1:4100");
    expect(loadConfig({ ORDERDECK_DATA_DIR: dataDir(), PUBLIC_BASE_URL: "https://orders.example.com/shop/" }).publicBaseUrl).toBe("https://orders.example.com/shop");
    const production = {
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://db/orderdeck",
      ORDERDECK_SECRET_KEY: "x".repeat(40),
      SMTP_HOST: "smtp.example.com",
      MAIL_FROM: "Workshop <orders@example.com>",
      METRICS_TOKEN: "m".repeat(24),
    };
    expect(loadConfig(production).publicBaseUrl).toBeUndefined();
    expect(loadConfig({ ...production, PUBLIC_BASE_URL: "https://orders.example.com" }).publicBaseUrl).toBe("https://orders.example.com");
  });

  it("refuses anything but a plain http(s) address, naming the variable", () => {
    for (const bad of ["orders.example.com", "ftp://orders.example.com", "https://user:pw@orders.example.com", "https://orders.example.com/?a=1", "javascript:alert(1)"]) {
      expect(() => loadConfig({ ORDERDECK_DATA_DIR: dataDir(), PUBLIC_BASE_URL: bad }), bad).toThrow(/PUBLIC_BASE_URL/);
    }
  });
});
