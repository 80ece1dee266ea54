import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataFolderUnreachable, startEmbeddedPostgres } from "@orderdeck/db";
import type { Logger } from "@orderdeck/logging";
import pg from "pg";
import { ConfigError } from "./config.ts";

const EMBEDDED_DATABASE = "orderdeck";

export interface ResolvedDatabase {
  /** Where queries go: the database, or a transaction pooler in front of it. */
  url: string;
  /** The database itself, for what needs a session (see ServerConfig.databaseDirectUrl). */
  directUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL (and DATABASE_DIRECT_URL) when given; otherwise an embedded PostgreSQL kept under the data folder. */
export async function resolveDatabase(
  urls: { databaseUrl: string | undefined; databaseDirectUrl: string | undefined },
  dataDir: string,
  logger: Logger,
): Promise<ResolvedDatabase> {
  if (urls.databaseUrl) {
    return { url: urls.databaseUrl, directUrl: urls.databaseDirectUrl ?? urls.databaseUrl, embedded: false, stop: async () => undefined };
  }
  logger.info("DATABASE_URL is not set: starting the embedded PostgreSQL", { dataDir });
  const cluster = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "postgres"),
    onLog: (line) => logger.debug(line.trim(), { component: "postgres" }),
  }).catch((error: unknown) => {
    if (!(error instanceof DataFolderUnreachable)) throw error;
    // A setting to change, not a crash: said like any other configuration problem, without a stack.
    throw new ConfigError(
      `Cannot start the embedded PostgreSQL: ${error.message}.\n` +
        `  Set ORDERDECK_DATA_DIR to a folder the postgres user can reach (for example /var/lib/orderdeck), or run npm start as a normal user (not root).`,
    );
  });
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [EMBEDDED_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = cluster.urlFor(EMBEDDED_DATABASE);
  const stop = async () => {
    await untilSessionsEnd(cluster.adminUrl, EMBEDDED_DATABASE).catch((error: unknown) =>
      logger.debug("could not watch the sessions end before stopping PostgreSQL", { error: String(error) }),
    );
    await cluster.stop();
  };
  return { url, directUrl: url, embedded: true, stop };
}

const SESSIONS_END_WITHIN_MS = 3_000;

/**
 * The embedded PostgreSQL stops with a fast shutdown, which cuts every session still open and tells
 * its client "terminating connection due to administrator command". A pg pool's end() resolves as
 * soon as it has asked its idle connections to close, before they have; so the sessions of a
 * server that stopped its pools may still be there. Waits until they are gone (or a bound passes:
 * a session that never ends must not hold up the stop).
 */
async function untilSessionsEnd(adminUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const deadline = Date.now() + SESSIONS_END_WITHIN_MS;
    for (;;) {
      const open = await admin.query<{ count: number }>("SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1", [database]);
      if ((open.rows[0]?.count ?? 0) === 0 || Date.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await admin.end();
  }
}

/**
 * The demo site's password: the configured one, else one generated on first start and kept in
 * the data folder (readable by its owner only), so no fixed password ships with the product.
 */
export function demoPassword(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, "demo-password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const generated = randomBytes(9).toString("base64url");
  writeFileSync(file, generated, { mode: 0o600 });
  return generated;
}
