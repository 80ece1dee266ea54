import {
  DomainError,
  OPEN_STATUSES,
  TERMINAL_STATUSES,
  parseJobNumber,
  type JobListFilter,
  type JobListPage,
  type JobListQuery,
  type JobListSort,
} from "@orderdeck/contracts";
import { Prisma, plannedPerCall, readInSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { z } from "zod";
import { presentListItem, type JobListRow, type SlaThresholds } from "./present.ts";

/*
 * Keyset pagination. A page is the rows after the cursor in a total order, so a page costs the
 * same wherever it is and rows inserted meanwhile never push a row onto the next page twice.
 *
 * Each sort is one or two segments, each an index range in one order:
 *   queue   1: jobs on the board, by queue_position (unique per site)
 *           2: jobs off the board (closed), by created_at, id
 *   due     1: jobs with a due date, by due_at, id
 *           2: jobs without one, by created_at, id
 *   created 1: by created_at, id
 * Descending reverses the order inside each segment; the second segment always comes last
 * (jobs without a due date are never "most urgent"). NULLs are thus never compared, and every
 * comparison is a row comparison an index can start from.
 *
 * The queries read the views site_jobs / site_customers (migration jobs_list_indexes) so that
 * enum and text filters can be index conditions under row-level security.
 */

type Segment = 1 | 2;

/** What the cursor carries: where the last row of the page stood in the sort. */
const CursorPayload = z.strictObject({
  f: z.enum(["queue", "due", "created"]),
  d: z.enum(["asc", "desc"]),
  s: z.union([z.literal(1), z.literal(2)]),
  /** queue_position (queue, segment 1) or an ISO instant (due_at or created_at). */
  v: z.union([z.int().min(-2_147_483_648).max(2_147_483_647), z.iso.datetime({ offset: true })]),
  i: z.uuid(),
});
type CursorPayload = z.infer<typeof CursorPayload>;

export function encodeCursor(payload: CursorPayload): string {
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, sort: JobListSort): CursorPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const result = CursorPayload.safeParse(parsed);
  if (!result.success) throw new DomainError("VALIDATION_FAILED", "That page cursor is not valid; start again from the first page.");
  const payload = result.data;
  const numeric = typeof payload.v === "number";
  const wantsNumber = payload.f === "queue" && payload.s === 1;
  if (payload.f !== sort.field || payload.d !== sort.direction || numeric !== wantsNumber || (payload.f === "created" && payload.s !== 1)) {
    throw new DomainError("VALIDATION_FAILED", "That page cursor belongs to another sort order; start again from the first page.");
  }
  return payload;
}

const LIST_COLUMNS = Prisma.sql`
  j.id::text AS "id", j.number AS "number", j.title AS "title", j.status::text AS "status",
  j.queue_position AS "queuePosition", j.priority::text AS "priority", j.source::text AS "source",
  j.customer_id::text AS "customerId", c.name AS "customerName",
  j.assignee_id::text AS "assigneeId",
  (SELECT u.name FROM users u WHERE u.id = j.assignee_id AND u.site_id = j.site_id) AS "assigneeName",
  j.machine AS "machine", j.material AS "material", j.colour AS "colour", j.quantity AS "quantity",
  j.estimated_minutes AS "estimatedMinutes", j.due_at AS "dueAt", j.price_cents AS "priceCents",
  j.currency AS "currency", j.payment_status::text AS "paymentStatus", j.fulfilment::text AS "fulfilment",
  j.version AS "version", j.created_at AS "createdAt", j.updated_at AS "updatedAt", j.archived_at AS "archivedAt"`;

/** LIKE pattern for a literal substring: the user's % and _ match themselves. */
function containsPattern(text: string): string {
  const escaped = text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  // Below three characters a trigram index cannot find a substring, but it can find a prefix.
  return escaped.length < 3 ? `${escaped}%` : `%${escaped}%`;
}

/** Past this many matching customers a search is too broad to list them in the statement. */
const MAX_LISTED_CUSTOMERS = 500;
// Written into the statement, not bound: with a bound LIMIT the planner assumes a small fraction
// of the rows is wanted and scans the customers instead of reading the name's trigram index.
const LISTED_CUSTOMERS_LIMIT = Prisma.raw(String(MAX_LISTED_CUSTOMERS + 1));

/**
 * The customers a search matches, looked up before the list statement so that the statement
 * carries them as a literal array: the planner then knows how many there are and picks the
 * search's indexes for a narrow search (with a subquery it guesses, often for an ordered scan
 * that reads the whole site). Null when there are too many to list.
 */
function customersMatchingStatement(siteId: string, search: string): Prisma.Sql {
  // One table and one way to read it for a pattern of three characters or more (the name's
  // trigram index), so a plan kept for every pattern (a named statement's generic plan) is as good
  // as one made for each.
  return Prisma.sql`
    SELECT sc.id::text AS id FROM site_customers sc
     WHERE sc.site_id = ${siteId}::uuid AND sc.name ILIKE ${containsPattern(search)}
     LIMIT ${LISTED_CUSTOMERS_LIMIT}`;
}

function customersMatchingOf(rows: Array<{ id: string }>): string[] | null {
  return rows.length > MAX_LISTED_CUSTOMERS ? null : rows.map((r) => r.id);
}

/**
 * Whether the statement keeps to jobs on the board (queue_position set), off it, or either. The
 * title's trigram index is two partial ones, one per side (migration jobs_list_search_indexes):
 * a search of the board then reads only the board's few thousand titles, not every title the site
 * ever had, and a search of either side asks both (see titleMatches).
 */
type BoardSide = "on" | "off" | "either";

function titleMatches(pattern: string, side: BoardSide): Prisma.Sql {
  if (side !== "either") return Prisma.sql`j.title ILIKE ${pattern}`;
  // Each arm names its side, so the planner can answer each from its partial index (a BitmapOr);
  // a bare ILIKE implies neither index's condition and would be checked row by row.
  return Prisma.sql`((j.queue_position IS NOT NULL AND j.title ILIKE ${pattern}) OR (j.queue_position IS NULL AND j.title ILIKE ${pattern}))`;
}

function filterConditions(siteId: string, filter: JobListFilter, now: Date, customerIds: string[] | null, side: BoardSide): Prisma.Sql[] {
  const where: Prisma.Sql[] = [Prisma.sql`j.site_id = ${siteId}::uuid`];
  if (filter.statuses) where.push(Prisma.sql`j.status = ANY(${filter.statuses}::job_status[])`);
  if (filter.assigneeId === null) where.push(Prisma.sql`j.assignee_id IS NULL`);
  else if (filter.assigneeId !== undefined) where.push(Prisma.sql`j.assignee_id = ${filter.assigneeId}::uuid`);
  if (filter.customerId) where.push(Prisma.sql`j.customer_id = ${filter.customerId}::uuid`);
  if (filter.dueBefore) where.push(Prisma.sql`j.due_at < ${filter.dueBefore}::timestamptz`);
  if (filter.overdue) {
    where.push(Prisma.sql`j.due_at < ${now.toISOString()}::timestamptz`);
    where.push(Prisma.sql`j.queue_position IS NOT NULL`);
  }
  if (filter.paymentStatuses) where.push(Prisma.sql`j.payment_status = ANY(${filter.paymentStatuses}::payment_status[])`);
  if (filter.sources) where.push(Prisma.sql`j.source = ANY(${filter.sources}::job_source[])`);
  if (filter.archived === "exclude") where.push(Prisma.sql`j.archived_at IS NULL`);
  if (filter.archived === "only") where.push(Prisma.sql`j.archived_at IS NOT NULL`);
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    const arms = [titleMatches(pattern, side)];
    // No customer arm when no customer matches: an OR with an arm no index serves keeps the
    // planner off the title's trigram index, and it reads every job of the statuses instead.
    if (customerIds === null) {
      arms.push(Prisma.sql`j.customer_id = ANY(ARRAY(
            SELECT sc.id FROM site_customers sc WHERE sc.site_id = ${siteId}::uuid AND sc.name ILIKE ${pattern}))`);
    } else if (customerIds.length > 0) {
      arms.push(Prisma.sql`j.customer_id = ANY(${customerIds}::uuid[])`);
    }
    const number = parseJobNumber(filter.search);
    if (number !== null) arms.push(Prisma.sql`j.number = ${number}`);
    where.push(Prisma.sql`(${Prisma.join(arms, " OR ")})`);
  }
  return where;
}

/** A segment that no row matching the filter can be in is skipped. */
function segmentsFor(sort: JobListSort, filter: JobListFilter): Segment[] {
  if (sort.field === "created") return [1];
  if (sort.field === "queue" && filter.statuses) {
    const open = filter.statuses.some((s) => OPEN_STATUSES.includes(s));
    const closed = filter.statuses.some((s) => TERMINAL_STATUSES.includes(s));
    return [...(open ? [1 as const] : []), ...(closed ? [2 as const] : [])];
  }
  if (sort.field === "queue" && filter.overdue) return [1];
  // Archived jobs are closed (CHECK), so never on the board.
  if (sort.field === "queue" && filter.archived === "only") return [2];
  if (sort.field === "due" && (filter.overdue || filter.dueBefore)) return [1];
  return [1, 2];
}

interface SegmentQuery {
  segment: Segment;
  sql: Prisma.Sql;
}

function segmentQuery(
  siteId: string,
  filter: JobListFilter,
  sort: JobListSort,
  segment: Segment,
  after: CursorPayload | null,
  limit: number,
  now: Date,
  customerIds: string[] | null,
  extraColumns: Prisma.Sql,
): SegmentQuery {
  const side: BoardSide =
    (sort.field === "queue" && segment === 1) || filter.overdue ? "on" : sort.field === "queue" && segment === 2 ? "off" : "either";
  const where = filterConditions(siteId, filter, now, customerIds, side);
  const desc = sort.direction === "desc";
  const dir = Prisma.raw(desc ? "DESC" : "ASC");
  const cmp = Prisma.raw(desc ? "<" : ">");
  // Every row of an "exclude" list has archived_at NULL, so ordering by it first changes nothing
  // in the answer; it tells the planner to read the (site, archived_at, …) index, which starts at
  // the first unarchived job, instead of stepping over years of archived ones. (Estimates cannot
  // see that archived jobs are the oldest ones; the two plans look equally cheap to it.)
  const unarchivedFirst = filter.archived === "exclude" ? Prisma.sql`j.archived_at ${dir}, ` : Prisma.empty;
  let order: Prisma.Sql;
  if (sort.field === "queue" && segment === 1) {
    where.push(Prisma.sql`j.queue_position IS NOT NULL`);
    if (after) where.push(Prisma.sql`j.queue_position ${cmp} ${after.v as number}`);
    // Jobs on the board are never archived (CHECK), and positions are unique: nothing to add.
    order = Prisma.sql`j.queue_position ${dir}`;
  } else if (sort.field === "due" && segment === 1) {
    where.push(Prisma.sql`j.due_at IS NOT NULL`);
    if (after) where.push(Prisma.sql`(j.due_at, j.id) ${cmp} (${after.v as string}::timestamptz, ${after.i}::uuid)`);
    order = Prisma.sql`${unarchivedFirst}j.due_at ${dir}, j.id ${dir}`;
  } else {
    if (segment === 2) where.push(sort.field === "queue" ? Prisma.sql`j.queue_position IS NULL` : Prisma.sql`j.due_at IS NULL`);
    if (after) where.push(Prisma.sql`(j.created_at, j.id) ${cmp} (${after.v as string}::timestamptz, ${after.i}::uuid)`);
    order = Prisma.sql`${unarchivedFirst}j.created_at ${dir}, j.id ${dir}`;
  }
  // The page is cut first and only its rows are joined: joining every match before the sort would
  // look up a customer for each of hundreds of matches to keep fifty. Each row's customer is then
  // probed by its key (LATERAL, and OFFSET 0 so that it is not folded back into a join): as a
  // plain join, the planner prices fifty probes above one pass over the site's customers and
  // hashes them all (5 000 of them: 2.7 ms, against 0.3 ms for the whole page probed). Its best
  // plan depends on the filter's values (the search above all), so it is planned for each call.
  const sql = plannedPerCall(Prisma.sql`
    SELECT ${LIST_COLUMNS}${extraColumns}
      FROM (SELECT * FROM site_jobs j
             WHERE ${Prisma.join(where, " AND ")}
             ORDER BY ${order}
             LIMIT ${limit}) j
      LEFT JOIN LATERAL (SELECT * FROM site_customers c WHERE c.id = j.customer_id OFFSET 0) c ON true
     ORDER BY ${order}`);
  return { segment, sql };
}

/**
 * Runs statements acting for the site and answers each one's rows: in one round trip on their
 * own (readInSite), or one after the other in a caller's transaction (transactionReads).
 */
export type SiteReads = <R>(statements: Prisma.Sql[]) => Promise<R[][]>;

export function transactionReads(tx: TransactionClient): SiteReads {
  return async <R>(statements: Prisma.Sql[]) => {
    const answers: R[][] = [];
    for (const statement of statements) answers.push(await tx.$queryRaw<R[]>(statement));
    return answers;
  };
}

export function pipelinedReads(prisma: PrismaClient, siteId: string): SiteReads {
  return <R>(statements: Prisma.Sql[]) => readInSite<R>(prisma, siteId, statements);
}

/**
 * The statements one page runs, in order; a statement after the first only runs while the page
 * is not full. Exported so that a test can EXPLAIN exactly what the list executes.
 * `extraColumns` (starting with a comma) adds columns for a caller that needs more than the list
 * shows (the CSV export). `customerIds`: the customers a search matches (customersMatching).
 */
export function listQueries(
  siteId: string,
  input: JobListQuery,
  now: Date,
  customerIds: string[] | null,
  extraColumns: Prisma.Sql = Prisma.empty,
): SegmentQuery[] {
  const after = input.cursor ? decodeCursor(input.cursor, input.sort) : null;
  const segments = segmentsFor(input.sort, input.filter).filter((s) => !after || s >= after.s);
  // One row more than the page tells whether another page follows.
  return segments.map((segment) =>
    segmentQuery(
      siteId,
      input.filter,
      input.sort,
      segment,
      after && after.s === segment ? after : null,
      input.limit + 1,
      now,
      customerIds,
      extraColumns,
    ),
  );
}

/** The customers a search matches (null: too many to list, or no search). */
export async function customersMatching(reads: SiteReads, siteId: string, search: string | undefined): Promise<string[] | null> {
  if (!search) return null;
  const [matches = []] = await reads<{ id: string }>([customersMatchingStatement(siteId, search)]);
  return customersMatchingOf(matches);
}

function cursorAfter(row: JobListRow, sort: JobListSort, segment: Segment): string {
  let v: number | string;
  if (sort.field === "queue" && segment === 1) v = row.queuePosition as number;
  else if (sort.field === "due" && segment === 1) v = (row.dueAt as Date).toISOString();
  else v = row.createdAt.toISOString();
  return encodeCursor({ f: sort.field, d: sort.direction, s: segment, v, i: row.id });
}

function siteThresholdsStatement(siteId: string): Prisma.Sql {
  return Prisma.sql`SELECT sla_warn_hours AS "slaWarnHours", sla_breach_hours AS "slaBreachHours" FROM sites WHERE id = ${siteId}::uuid`;
}

function siteThresholdsOf(rows: SlaThresholds[] | undefined): SlaThresholds {
  const site = rows?.[0];
  if (!site) throw new DomainError("NOT_FOUND", "This site no longer exists.");
  return site;
}

export async function siteThresholds(tx: TransactionClient, siteId: string): Promise<SlaThresholds> {
  return siteThresholdsOf(await tx.$queryRaw<SlaThresholds[]>(siteThresholdsStatement(siteId)));
}

export interface PageOptions {
  /** Columns beyond the list's (starting with a comma), for a caller that needs more (the CSV export). */
  extraColumns?: Prisma.Sql;
  /** Statements of the caller's, read in the page's first round trip; their rows come back as `alongside`. */
  alongside?: Prisma.Sql[];
}

/**
 * One page of rows: the search's customers first when there is a search, then the segments while
 * the page is not full, each a round trip; what the caller reads alongside goes with the first.
 */
export async function listRowsPage<R extends JobListRow = JobListRow>(
  reads: SiteReads,
  siteId: string,
  input: JobListQuery,
  now: Date,
  options: PageOptions = {},
): Promise<{ rows: R[]; nextCursor: string | null; alongside: unknown[][] }> {
  let pending = options.alongside ?? [];
  let alongside: unknown[][] = [];
  const read = async <T>(statement: Prisma.Sql): Promise<T[]> => {
    const [rows = [], ...rest] = await reads<unknown>([statement, ...pending]);
    if (pending.length > 0) {
      alongside = rest;
      pending = [];
    }
    return rows as T[];
  };
  const search = input.filter.search;
  const customerIds = search ? customersMatchingOf(await read<{ id: string }>(customersMatchingStatement(siteId, search))) : null;
  const rows: Array<{ row: R; segment: Segment }> = [];
  for (const query of listQueries(siteId, input, now, customerIds, options.extraColumns)) {
    const wanted = input.limit + 1 - rows.length;
    if (wanted <= 0) break;
    for (const row of (await read<R>(query.sql)).slice(0, wanted)) rows.push({ row, segment: query.segment });
  }
  if (pending.length > 0) alongside = await reads<unknown>(pending);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > input.limit && last ? cursorAfter(last.row, input.sort, last.segment) : null;
  return { rows: page.map(({ row }) => row), nextCursor, alongside };
}

/** A page of the queue, with the site's SLA thresholds read in its first round trip (readInSite). */
export async function listJobs(prisma: PrismaClient, siteId: string, input: JobListQuery, now = new Date()): Promise<JobListPage> {
  if (input.cursor) decodeCursor(input.cursor, input.sort);
  const page = await listRowsPage(pipelinedReads(prisma, siteId), siteId, input, now, { alongside: [siteThresholdsStatement(siteId)] });
  const sla = siteThresholdsOf(page.alongside[0] as SlaThresholds[] | undefined);
  return { items: page.rows.map((row) => presentListItem(row, now, sla)), nextCursor: page.nextCursor };
}
