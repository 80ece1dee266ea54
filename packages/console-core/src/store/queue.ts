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

// Jobs without a place in the queue come after every job with one.
const ORDER = "COALESCE(j.queue_position, 9007199254740991)";

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
  if (query.after) {
    conditions.push(`(${ORDER}, j.number) > (?, ?)`);
    params.push(query.after.position, query.after.number);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  const rows = db
    .prepare<unknown[], { data: string; sort: number }>(
      `SELECT j.data, ${ORDER} AS sort FROM jobs j LEFT JOIN customers c ON c.id = j.customer_id ${where} ORDER BY ${ORDER}, j.number LIMIT ?`,
    )
    .all(...params, query.limit + 1);
  const jobs = rows.slice(0, query.limit).map((row) => JSON.parse(row.data) as SyncJob);
  const last = jobs[jobs.length - 1];
  const lastSort = rows[jobs.length - 1]?.sort;
  return {
    jobs,
    next: rows.length > query.limit && last && lastSort !== undefined ? { position: lastSort, number: last.number } : null,
  };
}

/** Every cached job, in board order (jobs without a place last). */
export function boardJobs(db: SqliteDatabase): SyncJob[] {
  return db
    .prepare<[], { data: string }>("SELECT data FROM jobs ORDER BY COALESCE(queue_position, 9007199254740991), number")
    .all()
    .map((row) => JSON.parse(row.data) as SyncJob);
}
