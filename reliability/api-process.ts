// The API under test, composed exactly as `orderdeck-server --role=api` composes it (config from
// the environment, startServer), either inside the test process or as a child process that a
// test can SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort } from "@orderdeck/db";
import { loadConfig, startServer, type RunningServer } from "@orderdeck/server";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export function newSecretKey(): string {
  return randomBytes(32).toString("base64url");
}

/** The environment of a production API process on loopback over an existing, migrated database. */
export function apiEnvironment(databaseUrl: string, secretKey: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ORDERDECK_SECRET_KEY: secretKey,
    ORDERDECK_MIGRATE_ON_START: "false",
    ORDERDECK_SEED_DEMO: "false",
    // Production refuses to start without a mail server. An API-only process only queues mail
    // (no worker runs here), so nothing is ever sent to this address.
    SMTP_HOST: "127.0.0.1",
    MAIL_FROM: "Reliability <orders@orderdeck.test>",
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
    ...extra,
  };
}

/** startServer in this process; answers its base URL. */
export async function startApiHere(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<RunningServer & { url: string }> {
  const server = await startServer(loadConfig(apiEnvironment(databaseUrl, secretKey, 0, extra)), "api");
  if (!server.url) throw new Error("the API did not listen");
  return { ...server, url: server.url };
}

export interface ApiChild {
  url: string;
  process: ChildProcess;
  /** Resolves with the exit signal or code once the process has gone. */
  exited: Promise<string>;
  output(): string;
}

/** `node --import tsx apps/server/src/main.ts --role=api` as a child; resolves once /healthz answers. */
export async function spawnApi(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<ApiChild> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts", "--role=api"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...apiEnvironment(databaseUrl, secretKey, port, extra) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the API exited while starting:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the API did not answer /healthz within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, process: child, exited, output: () => output };
}
