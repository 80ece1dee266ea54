// Server processes for the reliability suite and the benchmarks (one module both import): the
// environment of a production process on loopback, and `orderdeck-server` (or a script that
// composes it the same way) as a child process that a test can SIGKILL and a benchmark can
// measure. The API may also run inside the test process.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Writable } from "node:stream";
import { freePort } from "@orderdeck/db";
import { loadConfig, startServer, type RunningServer } from "@orderdeck/server";

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

export interface ServerChild {
  /** The API's base URL, or a worker's metrics server's (its /healthz). */
  url: string;
  process: ChildProcess;
  pid: number;
  /** Resolves with the exit signal or code once the process has gone. */
  exited: Promise<string>;
  /** What it printed (empty when its output goes to a stream). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has gone. */
  stop(graceMs?: number): Promise<void>;
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
  startTimeoutMs?: number;
}

/**
 * `node --import tsx apps/server/src/main.ts --role=<role>` as a child; resolves once /healthz
 * answers (the API's, or for a worker the metrics server on WORKER_METRICS_PORT, which this sets).
 */
export async function spawnServer(options: SpawnServer): Promise<ServerChild> {
  const port = await freePort();
  const roleEnv: Record<string, string> = options.role === "worker" ? { WORKER_METRICS_PORT: String(port) } : {};
  const child = spawn(process.execPath, ["--import", "tsx", options.script ?? "apps/server/src/main.ts", `--role=${options.role}`], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...serverEnvironment(options.databaseUrl, options.secretKey, options.role === "api" ? port : 0, { ...roleEnv, ...options.extra }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  if (options.output) {
    child.stdout?.pipe(options.output, { end: false });
    child.stderr?.pipe(options.output, { end: false });
  } else {
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  }
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`)));
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the ${options.role} process exited while starting:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the ${options.role} process did not answer /healthz within ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.pid === undefined) throw new Error(`the ${options.role} process has no pid`);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    url,
    process: child,
    pid: child.pid,
    exited,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (gone()) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
      if (!gone()) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** The production API as a child process (see spawnServer). */
export function spawnApi(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<ServerChild> {
  return spawnServer({ role: "api", databaseUrl, secretKey, extra, startTimeoutMs: 60_000 });
}

/** The production worker as a child process (see spawnServer). */
export function spawnWorker(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<ServerChild> {
  return spawnServer({ role: "worker", databaseUrl, secretKey, extra, startTimeoutMs: 60_000 });
}
