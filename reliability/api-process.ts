// The API under test, composed exactly as `orderdeck-server --role=api` composes it (config from
// the environment, startServer), either inside the test process or as a child process that a
// test can SIGKILL (scripts/api-process.ts, shared with the e2e harness).
import { randomBytes } from "node:crypto";
import { freePort } from "@orderdeck/db";
import { loadConfig, startServer, type RunningServer } from "@orderdeck/server";
import { spawnServer, type ServerChild } from "../scripts/api-process.ts";

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

export type ApiChild = ServerChild;

/** The API as a child on a free port (see scripts/api-process.ts); resolves once /healthz answers. */
export async function spawnApi(databaseUrl: string, secretKey: string, extra: Record<string, string> = {}): Promise<ApiChild> {
  const port = await freePort();
  return spawnServer({ env: apiEnvironment(databaseUrl, secretKey, port, extra), port, role: "api" });
}
