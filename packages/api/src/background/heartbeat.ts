// Worker liveness, kept in worker_heartbeats (one row per worker process, keyed by graphile-worker's
// pool id, which is also what the pool writes into the locked_by of every job it takes). All times
// are the database's, so clocks of different machines never disagree about who is alive.
import type pg from "pg";
import { WORKER_SCHEMA } from "@orderdeck/db";

export async function beat(pool: pg.Pool, workerId: string): Promise<void> {
  await pool.query(
    `INSERT INTO worker_heartbeats (worker_id, started_at, last_beat_at) VALUES ($1, now(), now())
     ON CONFLICT (worker_id) DO UPDATE SET last_beat_at = now()`,
    [workerId],
  );
}

/** A worker that stops cleanly leaves; its row would otherwise look like a dead worker's. */
export async function forgetWorker(pool: pg.Pool, workerId: string): Promise<void> {
  await pool.query("DELETE FROM worker_heartbeats WHERE worker_id = $1", [workerId]);
}

/**
 * The workers holding locks older than `staleAfterMs` without a heartbeat that recent: crashed,
 * killed, or cut off from the database. A live worker beats every few seconds, so its locks are
 * never among them, however long its job runs.
 */
export async function deadLockHolders(client: Pick<pg.Pool, "query">, staleAfterMs: number): Promise<string[]> {
  const result = await client.query<{ worker_id: string }>(
    `WITH holders AS (
       SELECT locked_by AS worker_id FROM ${WORKER_SCHEMA}._private_jobs
        WHERE locked_by IS NOT NULL AND locked_at < now() - $1 * interval '1 millisecond'
       UNION
       SELECT locked_by FROM ${WORKER_SCHEMA}._private_job_queues
        WHERE locked_by IS NOT NULL AND locked_at < now() - $1 * interval '1 millisecond'
     )
     SELECT worker_id FROM holders
      WHERE NOT EXISTS (
        SELECT 1 FROM worker_heartbeats h WHERE h.worker_id = holders.worker_id AND h.last_beat_at >= now() - $1 * interval '1 millisecond'
      )
      ORDER BY worker_id`,
    [staleAfterMs],
  );
  return result.rows.map((r) => r.worker_id);
}

/** Rows of workers gone for a long while (their locks were released long ago): only clutter. */
export async function forgetLongGoneWorkers(pool: pg.Pool, staleAfterMs: number): Promise<void> {
  await pool.query(`DELETE FROM worker_heartbeats WHERE last_beat_at < now() - $1 * interval '1 millisecond'`, [
    Math.max(staleAfterMs * 20, 3_600_000),
  ]);
}
