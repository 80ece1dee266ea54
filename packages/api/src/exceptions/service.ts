import { ExceptionKind, formatJobNumber, type ExceptionEntry, type ExceptionList } from "@orderdeck/contracts";
import { Prisma, inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { siteThresholds } from "../jobs/list.ts";
import { redactedUrl } from "../outbound/destination.ts";

/**
 * The exceptions list is derived, never stored: each kind is a query over the rows that already
 * say what went wrong, so an exception disappears by itself when its cause is dealt with (the job
 * is collected, the delivery retried, the dead letter resolved).
 *
 * A webhook endpoint disabled for failing is listed until an admin enables it again.
 *
 * Pickup conflicts have no "resolved" state of their own; they are listed for
 * PICKUP_CONFLICT_DAYS after the scan.
 */
export const PICKUP_CONFLICT_DAYS = 7;

export interface ExceptionsQuery {
  kinds?: readonly ExceptionKind[] | undefined;
  perKind: number;
}

interface Row {
  total: number;
  ref_id: string;
  job_id: string | null;
  job_number: number | null;
  job_title: string | null;
  since: Date;
  detail: string | null;
  extra: string | null;
  attempts: number | null;
}

const HOUR_MS = 3_600_000;

function humanDuration(ms: number): string {
  const hours = Math.floor(ms / HOUR_MS);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

function clip(text: string | null, max = 200): string {
  if (!text) return "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

type KindQuery = (tx: TransactionClient, siteId: string, now: Date, limit: number, sla: { slaBreachHours: number }) => Promise<Row[]>;

// When a job entered its current status: the newest status change to it, or its last update for
// jobs that arrived already in that status (imports).
const enteredStatus = Prisma.sql`COALESCE((
  SELECT max(e.at) FROM job_events e
   WHERE e.job_id = j.id AND e.site_id = j.site_id AND e.type = 'status_changed' AND e.after->>'status' = j.status::text
), j.updated_at)`;

const JOB_COLUMNS = Prisma.sql`j.id::text AS ref_id, j.id::text AS job_id, j.number AS job_number, j.title AS job_title`;

const QUERIES: Record<ExceptionKind, KindQuery> = {
  OVERDUE: (tx, siteId, now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, ${JOB_COLUMNS}, j.due_at AS since, j.status::text AS detail, NULL AS extra, NULL::int AS attempts
      FROM site_jobs j
     WHERE j.site_id = ${siteId}::uuid AND j.queue_position IS NOT NULL AND j.due_at < ${now.toISOString()}::timestamptz
     ORDER BY j.due_at, j.id LIMIT ${limit}`,

  SLA_BREACH: (tx, siteId, now, limit, sla) => {
    const breachedBefore = new Date(now.getTime() - sla.slaBreachHours * HOUR_MS).toISOString();
    return tx.$queryRaw<Row[]>`
      SELECT count(*) OVER ()::int AS total, ${JOB_COLUMNS},
             j.created_at + make_interval(hours => ${sla.slaBreachHours}) AS since, j.status::text AS detail,
             j.created_at::text AS extra, NULL::int AS attempts
        FROM site_jobs j
       WHERE j.site_id = ${siteId}::uuid AND j.queue_position IS NOT NULL AND j.created_at < ${breachedBefore}::timestamptz
       ORDER BY j.created_at, j.id LIMIT ${limit}`;
  },

  READY_UNPAID: (tx, siteId, _now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, ${JOB_COLUMNS}, ${enteredStatus} AS since, j.payment_status::text AS detail,
           NULL AS extra, NULL::int AS attempts
      FROM site_jobs j
     WHERE j.site_id = ${siteId}::uuid AND j.status = 'READY_FOR_PICKUP' AND j.payment_status IN ('UNPAID', 'REFUNDED')
     ORDER BY since, j.id LIMIT ${limit}`,

  FAILED_PRINT: (tx, siteId, _now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, ${JOB_COLUMNS}, ${enteredStatus} AS since, NULL AS detail, NULL AS extra, NULL::int AS attempts
      FROM site_jobs j
     WHERE j.site_id = ${siteId}::uuid AND j.status = 'FAILED'
     ORDER BY since, j.id LIMIT ${limit}`,

  MAIL_FAILED: (tx, siteId, _now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, m.id::text AS ref_id, j.id::text AS job_id, j.number AS job_number, j.title AS job_title,
           COALESCE(m.sent_at, m.created_at) AS since, m.subject AS detail, m.last_error AS extra, m.attempts
      FROM mail_log m
      LEFT JOIN jobs j ON j.id = m.job_id AND j.site_id = m.site_id
     WHERE m.site_id = ${siteId}::uuid AND m.status = 'GAVE_UP'
     ORDER BY m.created_at, m.id LIMIT ${limit}`,

  WEBHOOK_FAILED: (tx, siteId, _now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, d.id::text AS ref_id, NULL AS job_id, NULL::int AS job_number, NULL AS job_title,
           COALESCE(d.last_attempt_at, d.created_at) AS since, d.event_type AS detail,
           concat_ws(' ', 'HTTP ' || d.response_status::text, d.last_error) AS extra, d.attempts
      FROM webhook_deliveries d
     WHERE d.site_id = ${siteId}::uuid AND d.status = 'GAVE_UP'
     ORDER BY d.created_at, d.id LIMIT ${limit}`,

  WEBHOOK_DISABLED: (tx, siteId, _now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, e.id::text AS ref_id, NULL AS job_id, NULL::int AS job_number, NULL AS job_title,
           e.disabled_at AS since, e.url AS detail, e.disabled_reason AS extra, e.consecutive_failures AS attempts
      FROM webhook_endpoints e
     WHERE e.site_id = ${siteId}::uuid AND NOT e.enabled AND e.disabled_at IS NOT NULL
     ORDER BY e.disabled_at, e.id LIMIT ${limit}`,

  INTAKE_DEAD_LETTER: (tx, siteId, _now, limit) => tx.$queryRaw<Row[]>`
    SELECT count(*) OVER ()::int AS total, l.id::text AS ref_id, j.id::text AS job_id, j.number AS job_number, j.title AS job_title,
           l.created_at AS since, l.reason AS detail, concat_ws(' ', s.name, l.external_id) AS extra, l.attempts
      FROM intake_dead_letters l
      JOIN intake_sources s ON s.id = l.source_id AND s.site_id = l.site_id
      -- The order's job, when it has one (always for a change to a started job).
      LEFT JOIN jobs j ON j.site_id = l.site_id AND j.source = 'FEED' AND j.external_id = l.external_id
     WHERE l.site_id = ${siteId}::uuid AND l.status = 'OPEN'
     ORDER BY l.created_at, l.id LIMIT ${limit}`,

  PICKUP_CONFLICT: (tx, siteId, now, limit) => {
    const from = new Date(now.getTime() - PICKUP_CONFLICT_DAYS * 24 * HOUR_MS).toISOString();
    return tx.$queryRaw<Row[]>`
      SELECT count(*) OVER ()::int AS total, r.id::text AS ref_id, j.id::text AS job_id, j.number AS job_number, j.title AS job_title,
             r.server_time AS since, j.status::text AS detail, st.name AS extra, NULL::int AS attempts
        FROM scan_records r
        LEFT JOIN jobs j ON j.id = r.job_id AND j.site_id = r.site_id
        LEFT JOIN stations st ON st.id = r.station_id AND st.site_id = r.site_id
       WHERE r.site_id = ${siteId}::uuid AND r.outcome = 'CONFLICT' AND r.server_time >= ${from}::timestamptz
       ORDER BY r.server_time, r.id LIMIT ${limit}`;
  },
};

function messageFor(kind: ExceptionKind, row: Row, now: Date, sla: { slaBreachHours: number }): string {
  const job = row.job_number !== null ? formatJobNumber(row.job_number) : null;
  switch (kind) {
    case "OVERDUE":
      return `${job} was due ${humanDuration(now.getTime() - row.since.getTime())} ago and is still ${row.detail}.`;
    case "SLA_BREACH": {
      const open = row.extra ? now.getTime() - new Date(row.extra).getTime() : 0;
      return `${job} has been open for ${humanDuration(open)}, beyond the site's ${sla.slaBreachHours} h limit (now ${row.detail}).`;
    }
    case "READY_UNPAID":
      return `${job} is ready for pickup but ${row.detail === "REFUNDED" ? "was refunded" : "not paid"}: collect payment before handing it over.`;
    case "FAILED_PRINT":
      return `${job} failed: reprint it (back to QUEUED) or cancel it.`;
    case "MAIL_FAILED":
      return `Mail "${clip(row.detail, 80)}"${job ? ` for ${job}` : ""} was given up after ${row.attempts ?? 0} attempts: ${clip(row.extra) || "no error recorded"}.`;
    case "WEBHOOK_FAILED":
      return `Webhook ${row.detail} was given up after ${row.attempts ?? 0} attempts: ${clip(row.extra) || "no error recorded"}.`;
    case "WEBHOOK_DISABLED":
      return `Webhook endpoint ${redactedUrl(row.detail ?? "")} was disabled: ${clip(row.extra) || "too many deliveries failed"}. Fix the receiver, then enable the endpoint again.`;
    case "INTAKE_DEAD_LETTER":
      return `An order from ${clip(row.extra, 120) || "the feed"} could not be taken in: ${clip(row.detail)}.`;
    case "PICKUP_CONFLICT":
      return `A pickup scan${job ? ` of ${job}` : ""}${row.extra ? ` at ${row.extra}` : ""} replayed from offline conflicted with the job's state${row.detail ? ` (${row.detail})` : ""}; check with the customer.`;
  }
}

export function listExceptions(prisma: PrismaClient, siteId: string, query: ExceptionsQuery, now = new Date()): Promise<ExceptionList> {
  return inSite(prisma, siteId, (tx) => exceptionsInTx(tx, siteId, query, now));
}

/** The exceptions list inside a transaction the caller already holds for the site (the handoff's). */
export async function exceptionsInTx(tx: TransactionClient, siteId: string, query: ExceptionsQuery, now: Date): Promise<ExceptionList> {
  const kinds = ExceptionKind.options.filter((k) => !query.kinds || query.kinds.includes(k));
  const sla = await siteThresholds(tx, siteId);
  const items: ExceptionEntry[] = [];
  const counts = Object.fromEntries(ExceptionKind.options.map((k) => [k, 0])) as Record<ExceptionKind, number>;
  const truncated: ExceptionKind[] = [];
  for (const kind of kinds) {
    const rows = await QUERIES[kind](tx, siteId, now, query.perKind, sla);
    counts[kind] = rows[0]?.total ?? 0;
    if (counts[kind] > rows.length) truncated.push(kind);
    for (const row of rows) {
      items.push({
        kind,
        refId: row.ref_id,
        job:
          row.job_id && row.job_number !== null
            ? { id: row.job_id, number: row.job_number, displayNumber: formatJobNumber(row.job_number), title: row.job_title ?? "" }
            : null,
        since: row.since.toISOString(),
        message: messageFor(kind, row, now, sla),
      });
    }
  }
  return { items, counts, truncated };
}
