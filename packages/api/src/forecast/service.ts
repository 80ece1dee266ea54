import { formatJobNumber, type Forecast, type ForecastJob, type JobStatus } from "@orderdeck/contracts";
import { inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";

/*
 * Capacity forecast: when will the queue be done?
 *
 * Model (deliberately simple, and stated so a lead can judge it):
 * - Machine time only. Jobs IN_PROGRESS run now; QUEUED jobs follow in queue order. Jobs in
 *   POST_PROCESSING or READY_FOR_PICKUP are off the machines, ON_HOLD and FAILED jobs are not
 *   going to run until someone decides, so none of those are scheduled.
 * - A running job needs its estimate minus the time since it went IN_PROGRESS (at least 0).
 *   A job without an estimate is assumed to take the median estimate of the scheduled jobs that
 *   have one (60 minutes when none has), and is flagged.
 * - `machines` identical machines work in parallel, round the clock; each job goes to the machine
 *   that frees up first (list scheduling in queue order).
 * - Machine count: the caller's `machines`, else the number of distinct machine names on the
 *   site's jobs created in the last MACHINE_LOOKBACK_DAYS days ("machines-in-use"), else 1.
 */
export const MACHINE_LOOKBACK_DAYS = 30;
export const DEFAULT_MINUTES_PER_JOB = 60;
/** Past this many waiting jobs the forecast stops (a queue that long is not a queue). */
const MAX_SCHEDULED = 20_000;

const MINUTE_MS = 60_000;

interface ForecastRow {
  id: string;
  number: number;
  title: string;
  status: JobStatus;
  queue_position: number;
  estimated_minutes: number | null;
  due_at: Date | null;
  started_at: Date | null;
}

export interface ForecastQuery {
  machines?: number | undefined;
  limit: number;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

export function forecastCapacity(prisma: PrismaClient, siteId: string, query: ForecastQuery, now = new Date()): Promise<Forecast> {
  return inSite(prisma, siteId, (tx) => forecastInTx(tx, siteId, query, now));
}

/** The forecast inside a transaction the caller already holds for the site (the handoff's). */
export async function forecastInTx(tx: TransactionClient, siteId: string, query: ForecastQuery, now: Date): Promise<Forecast> {
  const rows = await tx.$queryRaw<ForecastRow[]>`
    SELECT j.id::text AS id, j.number, j.title, j.status::text AS status, j.queue_position, j.estimated_minutes, j.due_at,
           CASE WHEN j.status = 'IN_PROGRESS' THEN COALESCE((
             SELECT max(e.at) FROM job_events e
              WHERE e.job_id = j.id AND e.site_id = j.site_id AND e.type = 'status_changed' AND e.after->>'status' = 'IN_PROGRESS'
           ), j.updated_at) END AS started_at
      FROM site_jobs j
     WHERE j.site_id = ${siteId}::uuid AND j.queue_position IS NOT NULL AND j.status IN ('IN_PROGRESS', 'QUEUED')
     ORDER BY (j.status = 'IN_PROGRESS') DESC, j.queue_position
     LIMIT ${MAX_SCHEDULED}`;

  let machines = query.machines;
  let machinesRule: Forecast["machinesRule"] = "requested";
  if (machines === undefined) {
    const since = new Date(now.getTime() - MACHINE_LOOKBACK_DAYS * 24 * 60 * MINUTE_MS).toISOString();
    const inUse = await tx.$queryRaw<Array<{ n: number }>>`
      SELECT count(DISTINCT lower(btrim(j.machine)))::int AS n FROM jobs j
       WHERE j.site_id = ${siteId}::uuid AND j.created_at >= ${since}::timestamptz AND btrim(j.machine) <> ''`;
    const n = inUse[0]?.n ?? 0;
    machines = Math.max(1, n);
    machinesRule = n > 0 ? "machines-in-use" : "default";
  }

  const assumed = median(rows.flatMap((r) => (r.estimated_minutes !== null ? [r.estimated_minutes] : []))) ?? DEFAULT_MINUTES_PER_JOB;
  const freeAt: number[] = Array.from({ length: machines }, () => now.getTime());
  const jobs: ForecastJob[] = [];
  let completesAt = now.getTime();
  for (const row of rows) {
    const estimate = row.estimated_minutes ?? assumed;
    const elapsed = row.started_at ? Math.max(0, (now.getTime() - row.started_at.getTime()) / MINUTE_MS) : 0;
    const remaining = Math.max(0, Math.round(estimate - elapsed));
    let slot = 0;
    for (let i = 1; i < freeAt.length; i++) if ((freeAt[i] as number) < (freeAt[slot] as number)) slot = i;
    const start = freeAt[slot] as number;
    const finish = start + remaining * MINUTE_MS;
    freeAt[slot] = finish;
    completesAt = Math.max(completesAt, finish);
    if (jobs.length < query.limit) {
      jobs.push({
        id: row.id,
        number: row.number,
        displayNumber: formatJobNumber(row.number),
        title: row.title,
        status: row.status,
        queuePosition: row.queue_position,
        slot,
        remainingMinutes: remaining,
        estimateAssumed: row.estimated_minutes === null,
        startsAt: new Date(start).toISOString(),
        finishesAt: new Date(finish).toISOString(),
        dueAt: row.due_at ? row.due_at.toISOString() : null,
        late: row.due_at !== null && finish > row.due_at.getTime(),
      });
    }
  }
  return {
    generatedAt: now.toISOString(),
    machines,
    machinesRule,
    completesAt: new Date(completesAt).toISOString(),
    jobCount: rows.length,
    assumedMinutesPerJob: assumed,
    jobs,
  };
}
