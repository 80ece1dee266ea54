import type { Readiness, ReadinessCheck } from "@orderdeck/contracts";
import { migrationStatus, readMigrations, type MigrationFile } from "@orderdeck/db";
import type pg from "pg";

const CHECK_TIMEOUT_MS = 2_000;

// The migrations this build ships: read and hashed once per process, not on every probe.
let shippedMigrations: Promise<MigrationFile[]> | undefined;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /readyz`: can this instance serve requests right now? */
export async function checkReadiness(pool: pg.Pool, version: string): Promise<Readiness> {
  const checks: ReadinessCheck[] = [];
  let client: pg.PoolClient | undefined;
  try {
    client = await withTimeout(pool.connect(), CHECK_TIMEOUT_MS);
    await withTimeout(client.query("SELECT 1"), CHECK_TIMEOUT_MS);
    checks.push({ name: "database", ok: true });
    shippedMigrations ??= readMigrations().catch((error: unknown) => {
      shippedMigrations = undefined;
      throw error;
    });
    const status = await withTimeout(migrationStatus(client, await shippedMigrations), CHECK_TIMEOUT_MS);
    const problems = [...status.problems, ...status.pending.map((p) => `${p} is not applied`)];
    checks.push({
      name: "migrations",
      ok: problems.length === 0,
      detail: problems.length === 0 ? `${status.applied.length} applied` : problems.join("; "),
    });
  } catch (error) {
    checks.push({ name: "database", ok: false, detail: error instanceof Error ? error.message : String(error) });
  } finally {
    client?.release();
  }
  return { ready: checks.every((c) => c.ok), version, checks };
}
