// What must hold of a site whatever ran against it, read straight from the database as its
// owner (no row-level security in the way). Each check answers the violations it found, as
// sentences, so a failing test says what broke.
import { canTransition, type Fulfilment, type JobStatus } from "@orderdeck/contracts";
import type pg from "pg";

/** Open jobs hold distinct positions, and a job holds a position exactly while it is open. */
export async function queueViolations(pool: pg.Pool, siteId: string): Promise<string[]> {
  const { rows } = await pool.query<{ positioned: number; distinct_positions: number; open_without: number; closed_with: number }>(
    `SELECT count(queue_position)::int AS positioned,
            count(DISTINCT queue_position)::int AS distinct_positions,
            count(*) FILTER (WHERE queue_position IS NULL AND status IN ('QUEUED','IN_PROGRESS','POST_PROCESSING','READY_FOR_PICKUP','ON_HOLD','FAILED'))::int AS open_without,
            count(*) FILTER (WHERE queue_position IS NOT NULL AND status IN ('PICKED_UP','SHIPPED','CANCELLED'))::int AS closed_with
       FROM jobs WHERE site_id = $1`,
    [siteId],
  );
  const r = rows[0];
  if (!r) return ["no answer"];
  const out: string[] = [];
  if (r.positioned !== r.distinct_positions) out.push(`${r.positioned - r.distinct_positions} open jobs share a queue position`);
  if (r.open_without > 0) out.push(`${r.open_without} open jobs have no queue position`);
  if (r.closed_with > 0) out.push(`${r.closed_with} closed jobs still hold a queue position`);
  return out;
}

/**
 * Every picked-up job was handed over exactly once: one picked_up event, one HANDED_OVER scan,
 * one applied mutation answering it; and no job that is not picked up has any of them.
 */
export async function handoverViolations(pool: pg.Pool, siteId: string): Promise<string[]> {
  const { rows } = await pool.query<{ number: number; status: string; events: number; scans: number; applied: number; picked_up_at: Date | null }>(
    `SELECT j.number, j.status::text, j.picked_up_at,
            (SELECT count(*)::int FROM job_events e WHERE e.job_id = j.id AND e.type = 'picked_up') AS events,
            (SELECT count(*)::int FROM scan_records s WHERE s.job_id = j.id AND s.outcome = 'HANDED_OVER') AS scans,
            (SELECT count(*)::int FROM client_mutations m
              WHERE m.site_id = j.site_id AND m.outcome = 'APPLIED' AND m.type = 'pickup.confirm'
                -- pickup.confirm's own answer, or sync.push's for a console's queued scan
                AND (m.result #>> '{confirmation,job,id}' = j.id::text OR m.result ->> 'jobId' = j.id::text)) AS applied
       FROM jobs j WHERE j.site_id = $1`,
    [siteId],
  );
  const out: string[] = [];
  for (const r of rows) {
    const expected = r.status === "PICKED_UP" ? 1 : 0;
    if (r.events !== expected || r.scans !== expected || r.applied !== expected || (expected === 1) !== (r.picked_up_at !== null)) {
      out.push(`J-${r.number} (${r.status}): ${r.events} picked_up events, ${r.scans} handover scans, ${r.applied} applied confirmations`);
    }
  }
  return out;
}

/** Job, invoice and receipt numbers run 1..n without a gap or a repeat, and each counter stands at n. */
export async function numberingViolations(pool: pg.Pool, siteId: string): Promise<string[]> {
  const { rows } = await pool.query<{ what: string; year: number; n: number; distinct_n: number; lowest: number | null; highest: number | null; counter: number | null }>(
    `SELECT 'JOB' AS what, 0 AS year, count(*)::int AS n, count(DISTINCT number)::int AS distinct_n, min(number) AS lowest, max(number) AS highest,
            (SELECT value FROM counters WHERE site_id = $1 AND kind = 'JOB' AND year = 0) AS counter
       FROM jobs WHERE site_id = $1
     UNION ALL
     SELECT 'INVOICE', i.year, count(*)::int, count(DISTINCT i.number)::int, min(i.number), max(i.number),
            (SELECT value FROM counters WHERE site_id = $1 AND kind = 'INVOICE' AND year = i.year)
       FROM invoices i WHERE i.site_id = $1 GROUP BY i.year
     UNION ALL
     SELECT 'RECEIPT', r.year, count(*)::int, count(DISTINCT r.number)::int, min(r.number), max(r.number),
            (SELECT value FROM counters WHERE site_id = $1 AND kind = 'RECEIPT' AND year = r.year)
       FROM receipts r WHERE r.site_id = $1 GROUP BY r.year`,
    [siteId],
  );
  const out: string[] = [];
  for (const r of rows) {
    if (r.n === 0) continue;
    if (r.distinct_n !== r.n || r.lowest !== 1 || r.highest !== r.n || r.counter !== r.n) {
      out.push(`${r.what} ${r.year}: ${r.n} numbers (${r.distinct_n} distinct) from ${r.lowest} to ${r.highest}, counter at ${r.counter}`);
    }
  }
  return out;
}

/** A status change as a client saw it acknowledged. */
export interface AcknowledgedChange {
  requestId: string;
  jobId: string;
  type: "status_changed" | "picked_up" | "reordered" | "created";
}

/**
 * Events match changes: each acknowledged change left exactly one event of its kind under its
 * request id (a reorder that moved nothing leaves none), no event of those kinds exists for a
 * request that was not acknowledged, and each job's status events chain from its first status to
 * its current one along transitions the machine allows. A request in `uncertain` got no definite
 * answer (the connection broke, the process died, 5xx): it may have left its event once.
 */
export async function eventViolations(
  pool: pg.Pool,
  siteId: string,
  acknowledged: AcknowledgedChange[],
  firstStatus: Map<string, JobStatus>,
  uncertain: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const out: string[] = [];
  const { rows: events } = await pool.query<{ job_id: string; type: string; request_id: string | null; before: string | null; after: string | null }>(
    `SELECT job_id::text, type, request_id, before ->> 'status' AS before, after ->> 'status' AS after
       FROM job_events WHERE site_id = $1 AND type IN ('status_changed', 'picked_up', 'reordered', 'created')`,
    [siteId],
  );
  const byRequest = new Map<string, typeof events>();
  for (const e of events) {
    if (!e.request_id) continue;
    byRequest.set(e.request_id, [...(byRequest.get(e.request_id) ?? []), e]);
  }
  const acknowledgedIds = new Set(acknowledged.map((a) => a.requestId));
  for (const change of acknowledged) {
    const found = (byRequest.get(change.requestId) ?? []).filter((e) => e.type === change.type && e.job_id === change.jobId);
    const allowed = change.type === "reordered" ? [0, 1] : [1];
    if (!allowed.includes(found.length)) out.push(`request ${change.requestId} (${change.type} of ${change.jobId}) left ${found.length} events`);
  }
  for (const [requestId, list] of byRequest) {
    if (uncertain.has(requestId) && !acknowledgedIds.has(requestId)) {
      if (list.length > 1) out.push(`request ${requestId} got no definite answer but left ${list.length} events (${list.map((e) => e.type).join(", ")})`);
      continue;
    }
    if (!acknowledgedIds.has(requestId)) out.push(`request ${requestId} was not acknowledged but left ${list.length} events (${list.map((e) => e.type).join(", ")})`);
  }

  const { rows: jobs } = await pool.query<{ id: string; status: JobStatus; fulfilment: Fulfilment; number: number }>(
    `SELECT id::text, status::text AS status, fulfilment::text AS fulfilment, number FROM jobs WHERE site_id = $1`,
    [siteId],
  );
  const moves = new Map<string, Array<{ from: JobStatus; to: JobStatus }>>();
  for (const e of events) {
    if ((e.type === "status_changed" || e.type === "picked_up") && e.before && e.after) {
      moves.set(e.job_id, [...(moves.get(e.job_id) ?? []), { from: e.before as JobStatus, to: e.after as JobStatus }]);
    }
  }
  for (const job of jobs) {
    const start = firstStatus.get(job.id);
    if (!start) continue;
    const list = moves.get(job.id) ?? [];
    const illegal = list.find((m) => !canTransition(m.from, m.to, job.fulfilment));
    if (illegal) out.push(`J-${job.number}: event ${illegal.from} -> ${illegal.to} is not a transition the machine allows`);
    // The events are the edges of one walk from the first status to the current one exactly
    // when every status is left as often as it is entered, but for the two ends.
    const balance = new Map<JobStatus, number>();
    for (const m of list) {
      balance.set(m.from, (balance.get(m.from) ?? 0) + 1);
      balance.set(m.to, (balance.get(m.to) ?? 0) - 1);
    }
    balance.set(start, (balance.get(start) ?? 0) - 1);
    balance.set(job.status, (balance.get(job.status) ?? 0) + 1);
    const unbalanced = [...balance].filter(([, n]) => n !== 0);
    if (unbalanced.length > 0) {
      out.push(`J-${job.number}: status events do not lead from ${start} to ${job.status} (${list.map((m) => `${m.from}->${m.to}`).join(", ")})`);
    }
  }
  return out;
}
