import { readIntakeStatus } from "@orderdeck/api";
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

export interface ReadinessOptions {
  /** The intake check fails while an enabled feed source lags more than this. */
  intakeLagAlertSeconds: number;
}

/**
 * The feed's sync lag, read from the database (runs may happen in any process). Only source ids
 * are named: /readyz answers anyone who can reach it.
 */
async function intakeCheck(client: pg.PoolClient, options: ReadinessOptions): Promise<ReadinessCheck> {
  const sources = (await withTimeout(readIntakeStatus(client), CHECK_TIMEOUT_MS)).filter((s) => s.enabled);
  if (sources.length === 0) return { name: "intake", ok: true, detail: "no enabled feed source" };
  const limit = options.intakeLagAlertSeconds;
  const lag = Math.max(...sources.map((s) => s.lagSeconds));
  const failures = Math.max(...sources.map((s) => s.consecutiveFailures));
  const lagging = sources.filter((s) => s.lagSeconds > limit);
  const summary = `${sources.length} enabled feed source${sources.length === 1 ? "" : "s"}; largest lag ${lag} s (limit ${limit} s); most consecutive failures ${failures}`;
  return {
    name: "intake",
    ok: lagging.length === 0,
    detail: lagging.length === 0 ? summary : `${summary}; behind the limit: ${lagging.map((s) => `source ${s.sourceId} (${s.lagSeconds} s)`).join(", ")}`,
  };
}

/** `GET /readyz`: can this instance serve requests right now? */
export async function checkReadiness(pool: pg.Pool, version: string, options: ReadinessOptions): Promise<Readiness> {
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
    // The intake's tables come with the migrations: ask only once they are all there.
    if (problems.length === 0) {
      checks.push(
        await intakeCheck(client, options).catch((error: unknown) => ({
          name: "intake",
          ok: false,
          detail: `could not read the feed sources: ${error instanceof Error ? error.message : String(error)}`,
        })),
      );
    }
  } catch (error) {
    checks.push({ name: "database", ok: false, detail: error instanceof Error ? error.message : String(error) });
  } finally {
    client?.release();
  }
  return { ready: checks.every((c) => c.ok), version, checks };
}
