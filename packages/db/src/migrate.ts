import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Logger as GraphileLogger, runMigrations as runWorkerMigrations } from "graphile-worker";
import pg from "pg";

/**
 * prisma/migrations at the repository root, in Prisma's own layout. Found from this package's
 * folder, not from this file: the compiled server (apps/server/build.ts) runs it from elsewhere.
 */
export const MIGRATIONS_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve("@orderdeck/db/package.json")), "../../prisma/migrations");

// The advisory lock key `prisma migrate deploy` takes, so our migrator and Prisma's never run at once.
const PRISMA_MIGRATE_LOCK = 72707369;

const BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied migrations whose file changed since (or that failed half-way): both need a person. */
  problems: string[];
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name, "migration.sql");
    if (!existsSync(file)) continue;
    const sql = await readFile(file, "utf8");
    files.push({ name, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return files;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedRows(client: pg.ClientBase): Promise<AppliedRow[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const result = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return result.rows;
}

function statusOf(files: MigrationFile[], rows: AppliedRow[]): MigrationStatus {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const status: MigrationStatus = { applied: [], pending: [], problems: [] };
  for (const file of files) {
    const row = live.find((r) => r.migration_name === file.name);
    if (!row) status.pending.push(file.name);
    else if (row.finished_at === null) status.problems.push(`${file.name} started but did not finish`);
    else {
      status.applied.push(file.name);
      if (row.checksum !== file.checksum) status.problems.push(`${file.name} was edited after it was applied`);
    }
  }
  return status;
}

/**
 * What is applied and what is pending; used by /readyz ("migrations current"). Takes the
 * migration files read once (see readMigrations): they cannot change under a running process.
 */
export async function migrationStatus(client: pg.ClientBase, files: MigrationFile[]): Promise<MigrationStatus> {
  return statusOf(files, await appliedRows(client));
}

/** graphile-worker's schema: its tables, functions and the jobs the application enqueues. */
export const WORKER_SCHEMA = "graphile_worker";

/** graphile-worker's log lines worth a person's attention (it logs every step at debug). */
function workerMigrationLogger(log: (message: string) => void): GraphileLogger {
  return new GraphileLogger(() => (level: string, message: string) => {
    if (level === "error" || level === "warning") log(`graphile-worker: ${message}`);
  });
}

/**
 * Applies pending migrations in name order, each in its own transaction, recording them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does, so either tool can take over.
 * Then installs or upgrades graphile-worker's schema (its own migrator, which keeps its own
 * bookkeeping in graphile_worker.migrations), still under the lock, so a database is either
 * fully migrated or not at all ready.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: { dir?: string; log?: (message: string) => void } = {},
): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    await client.query(BOOKKEEPING_TABLE);
    const files = await readMigrations(options.dir);
    const status = statusOf(files, await appliedRows(client));
    if (status.problems.length > 0) {
      throw new Error(`Migrations need attention before any more can run: ${status.problems.join("; ")}`);
    }
    const applied: string[] = [];
    for (const file of files.filter((f) => status.pending.includes(f.name))) {
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
          [id, file.checksum, file.name],
        );
        await client.query(file.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Migration ${file.name} failed and was rolled back: ${reason}`, { cause: error });
      }
      log(`applied migration ${file.name}`);
      applied.push(file.name);
    }
    await runWorkerMigrations({ connectionString: databaseUrl, schema: WORKER_SCHEMA, logger: workerMigrationLogger(log) });
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    await client.end();
  }
}
