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

/**
 * Is some worker alive, anywhere? Background work (mail, webhooks) is enqueued by every request
 * that changes something, so an instance with no worker behind it accepts promises nobody keeps.
 */
async function workerCheck(client: pg.PoolClient, staleMs: number): Promise<ReadinessCheck> {
  const result = await withTimeout(
    client.query<{ alive: number; age: number | null }>(
      `SELECT count(*) FILTER (WHERE last_beat_at >= now() - $1 * interval '1 millisecond')::int AS alive,
              extract(epoch FROM now() - max(last_beat_at))::float8 AS age
         FROM worker_heartbeats`,
      [staleMs],
    ),
    CHECK_TIMEOUT_MS,
  );
  const { alive, age } = result.rows[0] ?? { alive: 0, age: null };
  if (alive > 0) return { name: "worker", ok: true, detail: `${alive} alive, last heartbeat ${(age ?? 0).toFixed(1)} s ago` };
  const limit = `${Math.round(staleMs / 1000)} s`;
  return {
    name: "worker",
    ok: false,
    detail: age === null ? "no worker has ever sent a heartbeat" : `no worker heartbeat for ${Math.round(age)} s (limit ${limit})`,
  };
}

export interface ReadinessOptions {
  /** A worker heartbeat older than this does not count (WORKER_HEARTBEAT_STALE_SECONDS). */
  workerStaleMs: number;
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
    checks.push(
      await workerCheck(client, options.workerStaleMs).catch((error: unknown) => ({
        name: "worker",
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
      })),
    );
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
