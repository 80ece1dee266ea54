// How the sync procedures read jobs, customers and handoffs: the console's copy of a row, as
// plain JSON. Shared by pull (pages) and push (the current row after a mutation).
import {
  HANDOFF_MAX_PERIOD_DAYS,
  SYNC_HANDOFFS_LIMIT,
  SYNC_WINDOW_DAYS,
  type Fulfilment,
  type HandoffStatus,
  type JobSource,
  type JobStatus,
  type PaymentStatus,
  type Priority,
  type SyncCustomer,
  type SyncHandoff,
  type SyncJob,
  type SyncSite,
} from "@orderdeck/contracts";
import { Prisma, type TransactionClient } from "@orderdeck/db";
import { recentShiftHistory, shiftHistoryOf, shiftHistoryStatement, type ShiftRulesRow } from "../site/shift-rules.ts";

const DAY_MS = 86_400_000;

/** Closed jobs older than this (by their last change) are out of a console's scope. */
export function windowStart(now: Date): Date {
  return new Date(now.getTime() - SYNC_WINDOW_DAYS * DAY_MS);
}

export interface JobRow {
  id: string;
  number: number;
  title: string;
  status: JobStatus;
  queue_position: number | null;
  priority: Priority;
  source: JobSource;
  external_id: string | null;
  customer_id: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  machine: string | null;
  material: string | null;
  colour: string | null;
  quantity: number;
  estimated_minutes: number | null;
  due_at: string | null;
  price_cents: number;
  currency: string;
  payment_status: PaymentStatus;
  paid_cents: number;
  fulfilment: Fulfilment;
  pickup_code: string;
  picked_up_at: string | null;
  picked_up_by_id: string | null;
  picked_up_by_name: string | null;
  picked_up_station_id: string | null;
  picked_up_station_name: string | null;
  notes: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  change_seq: string;
  /** Whether the row belongs in a console's cache (open, or closed within the window, and not archived). */
  in_scope: boolean;
}

/** A row of an increment's page: the job and its customer (all null: none, or another site's). */
export interface PageJobRow extends JobRow {
  customer_name: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  customer_updated_at: string | null;
}

/** The customer a page's row carries, if it has one. */
export function pageCustomerOf(row: PageJobRow): SyncCustomer | null {
  if (row.customer_id === null || row.customer_name === null || row.customer_updated_at === null) return null;
  return { id: row.customer_id, name: row.customer_name, email: row.customer_email, phone: row.customer_phone, updatedAt: row.customer_updated_at };
}

/** In the cache: not archived, and open or closed within the window. */
export function inScope(since: Date): Prisma.Sql {
  return Prisma.sql`(j.archived_at IS NULL AND (j.status NOT IN ('PICKED_UP', 'SHIPPED', 'CANCELLED') OR j.updated_at >= ${since}::timestamptz))`;
}

/**
 * The columns of a job row. Reads the view site_jobs (the transaction's site only), where the
 * change_xid and change_seq conditions can use their indexes beneath row-level security.
 * `page` is a relation of job ids (`page.id`, a pulled page): each row is then fetched by primary
 * key. As a plain join the planner hashes the page against a scan of every job of the site (200 ms
 * a page at 100 000 jobs); the lateral subquery, kept apart by OFFSET 0, is one probe per id.
 * The names are read per row for the same reason: as joins, each row of a page was hashed against
 * a pass over every station (0.034 ms a row, over half of an increment's page). `withCustomers`:
 * each row also carries its customer's columns (PageJobRow), probed by key the same way.
 */
export function jobColumns(since: Date, page?: Prisma.Sql, withCustomers = false): Prisma.Sql {
  const customerProbe = withCustomers
    ? Prisma.sql`LEFT JOIN LATERAL (SELECT pc.name, pc.email, pc.phone, pc.updated_at FROM site_customers pc WHERE pc.id = j.customer_id OFFSET 0) c ON true`
    : Prisma.empty;
  const jobs = page
    ? Prisma.sql`${page} CROSS JOIN LATERAL (SELECT * FROM site_jobs pj WHERE pj.id = page.id OFFSET 0) j ${customerProbe}`
    : Prisma.sql`site_jobs j ${customerProbe}`;
  const customer = withCustomers
    ? Prisma.sql`, c.name AS customer_name, c.email AS customer_email, c.phone AS customer_phone, ${isoText(Prisma.sql`c.updated_at`)} AS customer_updated_at`
    : Prisma.empty;
  return Prisma.sql`
    j.id::text AS id, j.number, j.title, j.status::text AS status, j.queue_position, j.priority::text AS priority,
    j.source::text AS source, j.external_id, j.customer_id::text AS customer_id, j.assignee_id::text AS assignee_id,
    (SELECT a.name FROM users a WHERE a.id = j.assignee_id AND a.site_id = j.site_id) AS assignee_name,
    j.machine, j.material, j.colour, j.quantity, j.estimated_minutes, ${isoText(Prisma.sql`j.due_at`)} AS due_at, j.price_cents,
    j.currency::text AS currency, j.payment_status::text AS payment_status,
    COALESCE((SELECT sum(p.amount_cents) FROM payments p WHERE p.job_id = j.id AND p.site_id = j.site_id), 0)::float8 AS paid_cents,
    j.fulfilment::text AS fulfilment, j.pickup_code, ${isoText(Prisma.sql`j.picked_up_at`)} AS picked_up_at, j.picked_up_by_id::text AS picked_up_by_id,
    (SELECT pu.name FROM users pu WHERE pu.id = j.picked_up_by_id AND pu.site_id = j.site_id) AS picked_up_by_name,
    j.picked_up_station_id::text AS picked_up_station_id,
    CASE WHEN j.picked_up_station_id IS NOT NULL
      THEN (SELECT ps.name FROM stations ps WHERE ps.id = j.picked_up_station_id AND ps.site_id = j.site_id) END AS picked_up_station_name,
    j.notes, j.version, ${isoText(Prisma.sql`j.created_at`)} AS created_at, ${isoText(Prisma.sql`j.updated_at`)} AS updated_at,
    ${isoText(Prisma.sql`j.archived_at`)} AS archived_at, j.change_seq::text AS change_seq,
    ${inScope(since)} AS in_scope ${customer}
  FROM ${jobs}`;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * A timestamp (a timestamptz(3) column) as the contracts carry it, in Date.prototype.toISOString's
 * form (UTC, milliseconds), written by PostgreSQL: a full snapshot carries two to five a job, and
 * parsing each into a Date only to print it again was a large part of the API's work (and garbage)
 * per pulled row.
 */
function isoText(column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export function syncJobOf(row: JobRow): SyncJob {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    status: row.status,
    queuePosition: row.queue_position,
    priority: row.priority,
    source: row.source,
    externalId: row.external_id,
    customerId: row.customer_id,
    assigneeId: row.assignee_id,
    assigneeName: row.assignee_name,
    machine: row.machine,
    material: row.material,
    colour: row.colour,
    quantity: row.quantity,
    estimatedMinutes: row.estimated_minutes,
    dueAt: row.due_at,
    priceCents: row.price_cents,
    currency: row.currency,
    paymentStatus: row.payment_status,
    paidCents: Number(row.paid_cents),
    fulfilment: row.fulfilment,
    pickupCode: row.pickup_code,
    pickedUpAt: row.picked_up_at,
    pickedUpById: row.picked_up_by_id,
    pickedUpByName: row.picked_up_by_name,
    pickedUpStationId: row.picked_up_station_id,
    pickedUpStationName: row.picked_up_station_name,
    notes: row.notes,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    changeSeq: row.change_seq,
  };
}

/** One job as it is now, or null (another site's, or gone). */
export async function currentJob(tx: TransactionClient, siteId: string, id: string, now: Date): Promise<SyncJob | null> {
  const rows = await tx.$queryRaw<JobRow[]>(currentJobStatement(siteId, id, now));
  return rows[0] ? syncJobOf(rows[0]) : null;
}

export function currentJobStatement(siteId: string, id: string, now: Date): Prisma.Sql {
  return Prisma.sql`SELECT ${jobColumns(windowStart(now))} WHERE j.site_id = ${siteId}::uuid AND j.id = ${id}::uuid`;
}

export interface CustomerRow {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  updated_at: string;
}

export function syncCustomerOf(row: CustomerRow): SyncCustomer {
  return { id: row.id, name: row.name, email: row.email, phone: row.phone, updatedAt: row.updated_at };
}

/** The customers of `ids` (at least one): a page's referenced customers. */
export function customersByIdStatement(siteId: string, ids: string[]): Prisma.Sql {
  return Prisma.sql`
    SELECT c.id::text AS id, c.name, c.email, c.phone, ${isoText(Prisma.sql`c.updated_at`)} AS updated_at FROM site_customers c
     WHERE c.site_id = ${siteId}::uuid AND c.id = ANY(${ids}::uuid[])`;
}

/** Customers changed between two snapshots, after `afterId`, by id. */
export function changedCustomersStatement(siteId: string, prev: string, target: Prisma.Sql, afterId: string | null, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT c.id::text AS id, c.name, c.email, c.phone, ${isoText(Prisma.sql`c.updated_at`)} AS updated_at FROM site_customers c
     WHERE c.site_id = ${siteId}::uuid
       AND c.change_xid >= pg_snapshot_xmin(${prev}::pg_snapshot)::text::bigint
       AND NOT pg_visible_in_snapshot(c.change_xid::text::xid8, ${prev}::pg_snapshot)
       AND pg_visible_in_snapshot(c.change_xid::text::xid8, ${target})
       ${afterId ? Prisma.sql`AND c.id > ${afterId}::uuid` : Prisma.empty}
     ORDER BY c.id
     LIMIT ${limit}`;
}

const handoffSelect = {
  id: true,
  periodFrom: true,
  periodTo: true,
  status: true,
  notes: true,
  createdAt: true,
  acknowledgedAt: true,
  createdBy: { select: { id: true, name: true } },
  acknowledgedBy: { select: { id: true, name: true } },
} satisfies Prisma.HandoffSelect;

export type HandoffRow = Prisma.HandoffGetPayload<{ select: typeof handoffSelect }>;

function syncHandoffOf(row: HandoffRow): SyncHandoff {
  return {
    id: row.id,
    periodFrom: row.periodFrom.toISOString(),
    periodTo: row.periodTo.toISOString(),
    status: row.status as HandoffStatus,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    acknowledgedAt: iso(row.acknowledgedAt),
    acknowledgedBy: row.acknowledgedBy,
  };
}

export async function currentHandoff(tx: TransactionClient, siteId: string, id: string): Promise<SyncHandoff | null> {
  const row = await tx.handoff.findFirst({ where: { id, siteId }, select: handoffSelect });
  return row ? syncHandoffOf(row) : null;
}

// A handoff as handoffSelect shapes it, in SQL, for the reads sent together (recentHandoffsStatements).
const HANDOFF_COLUMNS = Prisma.sql`
  h.id::text AS id, h.period_from AS "periodFrom", h.period_to AS "periodTo", h.status::text AS status, h.notes,
  h.created_at AS "createdAt", h.acknowledged_at AS "acknowledgedAt",
  json_build_object('id', h.created_by_id::text, 'name', cb.name) AS "createdBy",
  CASE WHEN h.acknowledged_by_id IS NULL THEN NULL ELSE json_build_object('id', h.acknowledged_by_id::text, 'name', ab.name) END AS "acknowledgedBy"
  FROM handoffs h
  LEFT JOIN users cb ON cb.id = h.created_by_id
  LEFT JOIN users ab ON ab.id = h.acknowledged_by_id`;

/**
 * What an offline console needs of the handoffs: the recent ones (to acknowledge), and the last
 * acknowledged one however old (where the next summary's period starts). Two statements; their
 * rows go to recentHandoffsOf.
 */
export function recentHandoffsStatements(siteId: string, now: Date): [Prisma.Sql, Prisma.Sql] {
  return [
    Prisma.sql`
      SELECT ${HANDOFF_COLUMNS}
       WHERE h.site_id = ${siteId}::uuid AND (h.created_at >= ${windowStart(now)}::timestamptz OR h.acknowledged_at IS NULL)
       ORDER BY h.created_at DESC, h.id DESC
       LIMIT ${SYNC_HANDOFFS_LIMIT}::int`,
    Prisma.sql`
      SELECT ${HANDOFF_COLUMNS}
       WHERE h.site_id = ${siteId}::uuid AND h.status = 'ACKNOWLEDGED'
       ORDER BY h.period_to DESC, h.id DESC
       LIMIT 1`,
  ];
}

export function recentHandoffsOf(recent: HandoffRow[], lastAcknowledged: HandoffRow[]): SyncHandoff[] {
  const last = lastAcknowledged[0];
  return (last && !recent.some((h) => h.id === last.id) ? [...recent, last] : recent).map(syncHandoffOf);
}

/** What a console needs of its site: the site's row and its shift rules (two statements; their rows go to siteOf). */
export function siteStatements(siteId: string): [Prisma.Sql, Prisma.Sql] {
  return [
    Prisma.sql`
      SELECT id::text AS id, name, timezone, default_currency::text AS "defaultCurrency",
             sla_warn_hours AS "slaWarnHours", sla_breach_hours AS "slaBreachHours"
        FROM sites WHERE id = ${siteId}::uuid`,
    shiftHistoryStatement(siteId),
  ];
}

export type SiteRow = Omit<SyncSite, "shiftRules">;

export function siteOf(siteRows: SiteRow[], shiftRows: ShiftRulesRow[], now: Date): SyncSite | null {
  const site = siteRows[0];
  if (!site) return null;
  // One day beyond the longest period: a summary asked for just after a change still finds the rules before it.
  const shiftRules = recentShiftHistory(shiftHistoryOf(shiftRows, site.timezone), now, HANDOFF_MAX_PERIOD_DAYS + 1);
  return { ...site, shiftRules };
}
