// The board as the cache holds it: filtered, searched and paged in SQL, in queue order.
import { parseJobNumber, type JobStatus, type SyncJob } from "@orderdeck/contracts";
import type { SqliteDatabase } from "./database.ts";

export interface QueueQuery {
  includeClosed: boolean;
  statuses?: readonly JobStatus[] | undefined;
  search?: string | undefined;
  limit: number;
  /** Where the previous page ended: its last job's place in the queue and its number. */
  after: { position: number; number: number } | null;
}

export interface QueueRows {
  jobs: SyncJob[];
  /** The next page's start, when there is one. */
  next: { position: number; number: number } | null;
}

// Jobs without a place in the queue come after every job with one, by number; in a cursor their
// place is this.
const UNPLACED = 9007199254740991;

/**
 * A page of the board in queue order. Read in two steps, each in the order of an index, so a page
 * reads its own rows and stops: the jobs with a place (jobs_board, only equal places sorted among
 * themselves), then, when the page is not full, those without one (jobs_number). One statement
 * ordered by COALESCE(queue_position, …) sorted every matching job for every page.
 */
export function queueRows(db: SqliteDatabase, query: QueueQuery): QueueRows {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (!query.includeClosed) conditions.push("j.status NOT IN ('PICKED_UP', 'SHIPPED', 'CANCELLED')");
  if (query.statuses) {
    conditions.push(`j.status IN (${query.statuses.map(() => "?").join(", ")})`);
    params.push(...query.statuses);
  }
  if (query.search) {
    const number = parseJobNumber(query.search);
    const like = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(`(j.title LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\'${number !== null ? " OR j.number = ?" : ""})`);
    params.push(like, like, ...(number !== null ? [number] : []));
  }
  const read = (extra: string[], extraParams: unknown[], order: string, limit: number) =>
    db
      .prepare<unknown[], { data: string; sort: number }>(
        `SELECT j.data, COALESCE(j.queue_position, ${UNPLACED}) AS sort FROM jobs j LEFT JOIN customers c ON c.id = j.customer_id WHERE ${[...conditions, ...extra].join(" AND ")} ORDER BY ${order} LIMIT ?`,
      )
      .all(...params, ...extraParams, limit);

  const wanted = query.limit + 1;
  const after = query.after;
  const rows: Array<{ data: string; sort: number }> = [];
  if (!after || after.position < UNPLACED) {
    const seek = after ? ["j.queue_position >= ?", "(j.queue_position > ? OR j.number > ?)"] : [];
    rows.push(...read(["j.queue_position IS NOT NULL", ...seek], after ? [after.position, after.position, after.number] : [], "j.queue_position, j.number", wanted));
  }
  if (rows.length < wanted) {
    const seek = after && after.position >= UNPLACED ? ["j.number > ?"] : [];
    rows.push(...read(["j.queue_position IS NULL", ...seek], seek.length > 0 ? [after?.number] : [], "j.number", wanted - rows.length));
  }
  const jobs = rows.slice(0, query.limit).map((row) => JSON.parse(row.data) as SyncJob);
  const last = jobs[jobs.length - 1];
  const lastSort = rows[jobs.length - 1]?.sort;
  return {
    jobs,
    next: rows.length > query.limit && last && lastSort !== undefined ? { position: lastSort, number: last.number } : null,
  };
}

/** The names of these customers in the cache, by id (one statement for a page of the board). */
export function customerNames(db: SqliteDatabase, ids: readonly string[]): Map<string, string> {
  if (ids.length === 0) return new Map();
  const rows = db
    .prepare<[string], { id: string; name: string }>("SELECT id, name FROM customers WHERE id IN (SELECT value FROM json_each(?))")
    .all(JSON.stringify([...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Every cached job, in board order (jobs without a place last). */
export function boardJobs(db: SqliteDatabase): SyncJob[] {
  return db
    .prepare<[], { data: string }>("SELECT data FROM jobs ORDER BY COALESCE(queue_position, 9007199254740991), number")
    .all()
    .map((row) => JSON.parse(row.data) as SyncJob);
}
