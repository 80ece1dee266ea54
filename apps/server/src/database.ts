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
  return { url, directUrl: url, embedded: true, stop: () => cluster.stop() };
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
