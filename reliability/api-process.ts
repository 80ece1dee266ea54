// Server processes for the reliability suite and the benchmarks (one module both import): the
// environment of a production process on loopback, and `orderdeck-server` as a child process that a
// test can SIGKILL and a benchmark can measure (scripts/api-process.ts, shared with the e2e
// harness). The API may also run inside the test process.
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Writable } from "node:stream";
import { freePort } from "@orderdeck/db";
import { loadConfig, startServer, type RunningServer } from "@orderdeck/server";
import { spawnServer as spawnServerProcess, type ServerChild } from "../scripts/api-process.ts";

export type { ServerChild };
export const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export function newSecretKey(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The environment of a production server process on loopback over an existing, migrated
 * database. `port` is the API's; a worker-only process ignores it.
 */
export function serverEnvironment(databaseUrl: string, secretKey: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ORDERDECK_SECRET_KEY: secretKey,
    ORDERDECK_MIGRATE_ON_START: "false",
    ORDERDECK_SEED_DEMO: "false",
    // Production refuses to start without a mail server. An API-only process only queues mail;
    // a worker is given the address of a real sink (SMTP_PORT) by whoever starts it.
    SMTP_HOST: "127.0.0.1",
    MAIL_FROM: "OrderDeck <orders@orderdeck.test>",
    // Production refuses to serve /metrics to anyone: a token of its own for each process.
    METRICS_TOKEN: randomBytes(24).toString("base64url"),
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
    ...extra,
  };
}

/** startServer in this process; answers its base URL. */
export async function startApiHere(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<RunningServer & { url: string }> {
  const server = await startServer(loadConfig(serverEnvironment(databaseUrl, secretKey, 0, extra)), "api");
  if (!server.url) throw new Error("the API did not listen");
  return { ...server, url: server.url };
}

export interface SpawnServer {
  role: "api" | "worker";
  databaseUrl: string;
  secretKey: string;
  /** More environment (SMTP_PORT, WORKER_CONCURRENCY, LOG_LEVEL …). */
  extra?: Record<string, string>;
  /** Another entry point that composes the server (default apps/server/src/main.ts). */
  script?: string;
  /** Where its output goes; kept in memory when not given. */
  output?: Writable;
  /** Node options added to the deployed ones (e.g. "--cpu-prof"). */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

/** A production server process on a free port; resolves once its /healthz answers (a worker's on its metrics port). */
export async function spawnServer(options: SpawnServer): Promise<ServerChild> {
  const port = await freePort();
  return spawnServerProcess({
    env: serverEnvironment(options.databaseUrl, options.secretKey, options.role === "api" ? port : 0, options.extra),
    port,
    role: options.role,
    script: options.script,
    output: options.output,
    nodeArgs: options.nodeArgs,
    startTimeoutMs: options.startTimeoutMs,
  });
}

/** The production API as a child process (see spawnServer). */
export function spawnApi(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<ServerChild> {
  return spawnServer({ role: "api", databaseUrl, secretKey, extra, startTimeoutMs: 60_000 });
}

/** The production worker as a child process (see spawnServer). */
export function spawnWorker(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<ServerChild> {
  return spawnServer({ role: "worker", databaseUrl, secretKey, extra, startTimeoutMs: 60_000 });
}
