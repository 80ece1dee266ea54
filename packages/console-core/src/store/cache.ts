// The console's copy of the site: jobs, customers, handoffs, the site itself and the sync cursor.
// Every write here runs inside a transaction its caller opened, so a pulled page, or an action and
// its outbox row, land together or not at all.
import {
  SyncCustomer,
  SyncHandoff,
  SyncJob,
  SyncSite,
  SYNC_WINDOW_DAYS,
  TERMINAL_STATUSES,
  type SyncMutation,
  type SyncPullPage,
} from "@orderdeck/contracts";
import { applyToJob, type Actor } from "../sync/optimistic.ts";
import { stmt, type SqliteDatabase } from "./database.ts";
import { pendingForJob, toMutation } from "./outbox.ts";

interface JobRow {
  id: string;
  server: string;
  data: string;
}

// A NULL server column means the server's row is the row shown.
const SELECT_HELD_JOB = "SELECT id, COALESCE(server, data) AS server, data FROM jobs WHERE id = ?";

export function parseJob(text: string): SyncJob {
  return SyncJob.parse(JSON.parse(text));
}

const UPSERT_JOB = `INSERT INTO jobs (id, server, data, number, title, status, queue_position, pickup_code, customer_id, updated_at, generation)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, 0))
     ON CONFLICT (id) DO UPDATE SET server = excluded.server, data = excluded.data, number = excluded.number,
       title = excluded.title, status = excluded.status, queue_position = excluded.queue_position,
       pickup_code = excluded.pickup_code, customer_id = excluded.customer_id, updated_at = excluded.updated_at,
       generation = COALESCE(?, jobs.generation)`;

function writeJob(db: SqliteDatabase, server: SyncJob, shown: SyncJob, generation: number | null): void {
  const serverText = JSON.stringify(server);
  // Nothing pending (every row of a fresh pull): what is shown is the server's row, text and all.
  const shownText = shown === server ? serverText : JSON.stringify(shown);
  // Positional parameters: a pulled page binds thousands of rows, and naming them costs a lookup each.
  stmt(db, UPSERT_JOB).run(
    server.id,
    // Stored apart only while changes wait on the job, so a pull writes each job's JSON once.
    shownText === serverText ? null : serverText,
    shownText,
    shown.number,
    shown.title,
    shown.status,
    shown.queuePosition,
    shown.pickupCode,
    shown.customerId,
    server.updatedAt,
    generation,
    // Again for the update: a row written outside a full snapshot keeps its generation.
    generation,
  );
}

/** The row as shown: the server's, with this console's unanswered changes applied in order, each as its author's. */
function rebase(db: SqliteDatabase, server: SyncJob, actor: Actor): SyncJob {
  return pendingForJob(db, server.id).reduce(
    (job: SyncJob, row) => applyToJob(job, toMutation(row), { ...actor, userId: row.author_id, userName: row.author_name }),
    server,
  );
}

/**
 * Stores the server's row (never older than the one held) and shows it with pending changes on top.
 * `known`: what the caller already read for a whole pulled page (a page asks once, not once per row):
 * the jobs with changes still pending, and the change sequence of every held row it brings.
 */
export function storeServerJob(
  db: SqliteDatabase,
  job: SyncJob,
  actor: Actor,
  generation: number | null = null,
  known?: { waiting: ReadonlySet<string>; heldSeqs: ReadonlyMap<string, string> },
): void {
  // The held row's change sequence alone, read in SQL: no parse of the whole held row per pulled row.
  const heldSeq = known ? known.heldSeqs.get(job.id) : stmt<[string], { change_seq: string | null }>(db, HELD_CHANGE_SEQ).get(job.id)?.change_seq;
  // A page or an answer that crossed a newer one on the way must not roll the row back.
  if (heldSeq != null && BigInt(heldSeq) > BigInt(job.changeSeq)) {
    if (generation !== null) stmt(db, "UPDATE jobs SET generation = ? WHERE id = ?").run(generation, job.id);
    return;
  }
  writeJob(db, job, known && !known.waiting.has(job.id) ? job : rebase(db, job, actor), generation);
}

const HELD_CHANGE_SEQ = "SELECT json_extract(COALESCE(server, data), '$.changeSeq') AS change_seq FROM jobs WHERE id = ?";

/** The change sequence of each of `ids` held in the cache (a fresh console holds none: one empty read). */
function heldChangeSeqs(db: SqliteDatabase, ids: readonly string[]): Map<string, string> {
  const rows = stmt<[string], { id: string; change_seq: string | null }>(
    db,
    "SELECT id, json_extract(COALESCE(server, data), '$.changeSeq') AS change_seq FROM jobs WHERE id IN (SELECT value FROM json_each(?))",
  ).all(JSON.stringify(ids));
  const seqs = new Map<string, string>();
  for (const row of rows) if (row.change_seq !== null) seqs.set(row.id, row.change_seq);
  return seqs;
}

/** The jobs this console has changes for that the server has not answered yet. */
function jobsWithPendingChanges(db: SqliteDatabase): Set<string> {
  const rows = stmt<[], { job_id: string }>(
    db,
    "SELECT DISTINCT job_id FROM outbox WHERE status IN ('pending', 'sent') AND job_id IS NOT NULL",
  ).all();
  return new Set(rows.map((row) => row.job_id));
}

/** Shows the job again from its server row and the changes still waiting (after one was answered). */
export function refreshJob(db: SqliteDatabase, id: string, actor: Actor): void {
  const held = stmt<[string], JobRow>(db, SELECT_HELD_JOB).get(id);
  if (!held) return;
  const server = parseJob(held.server);
  writeJob(db, server, rebase(db, server, actor), null);
}

/** Applies one queued change to the shown row (the server row stays as it was). */
export function showChange(db: SqliteDatabase, id: string, mutation: SyncMutation, actor: Actor): SyncJob | null {
  const held = stmt<[string], JobRow>(db, SELECT_HELD_JOB).get(id);
  if (!held) return null;
  const shown = applyToJob(parseJob(held.data), mutation, actor);
  writeJob(db, parseJob(held.server), shown, null);
  return shown;
}

export function getJob(db: SqliteDatabase, id: string): SyncJob | null {
  const row = stmt<[string], { data: string }>(db, "SELECT data FROM jobs WHERE id = ?").get(id);
  return row ? parseJob(row.data) : null;
}

export function findJobByCode(db: SqliteDatabase, code: string): SyncJob | null {
  const row = stmt<[string], { data: string }>(db, "SELECT data FROM jobs WHERE pickup_code = ?").get(code);
  return row ? parseJob(row.data) : null;
}

export function storeCustomer(db: SqliteDatabase, customer: SyncCustomer): void {
  stmt(db, 
    "INSERT INTO customers (id, data, name) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, name = excluded.name",
  ).run(customer.id, JSON.stringify(customer), customer.name);
}

export function getCustomer(db: SqliteDatabase, id: string): SyncCustomer | null {
  const row = stmt<[string], { data: string }>(db, "SELECT data FROM customers WHERE id = ?").get(id);
  return row ? SyncCustomer.parse(JSON.parse(row.data)) : null;
}

/** Customers whose name, e-mail or phone contains `text` (case-insensitive), by name. */
export function searchCustomers(db: SqliteDatabase, text: string, limit: number): SyncCustomer[] {
  const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return stmt<[string, string, string, number], { data: string }>(
    db,
    "SELECT data FROM customers WHERE name LIKE ? ESCAPE '\\' OR json_extract(data, '$.email') LIKE ? ESCAPE '\\' OR json_extract(data, '$.phone') LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
  )
    .all(like, like, like, limit)
    .map((row) => SyncCustomer.parse(JSON.parse(row.data)));
}

export function storeHandoff(db: SqliteDatabase, handoff: SyncHandoff): void {
  stmt(db, 
    "INSERT INTO handoffs (id, data, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at",
  ).run(handoff.id, JSON.stringify(handoff), handoff.createdAt);
}

export function listHandoffs(db: SqliteDatabase): SyncHandoff[] {
  return db
    .prepare<[], { data: string }>("SELECT data FROM handoffs ORDER BY created_at DESC, id DESC")
    .all()
    .map((row) => SyncHandoff.parse(JSON.parse(row.data)));
}

export interface SyncStateRow {
  cursor: string | null;
  round_full: number;
  generation: number;
  last_sync_at: string | null;
  last_server_time: string | null;
  site: string | null;
}

export function readSyncState(db: SqliteDatabase): SyncStateRow {
  return stmt<[], SyncStateRow>(db, "SELECT cursor, round_full, generation, last_sync_at, last_server_time, site FROM sync_state WHERE id = 1").get() as SyncStateRow;
}

export function siteOf(db: SqliteDatabase): SyncSite | null {
  const site = readSyncState(db).site;
  return site ? SyncSite.parse(JSON.parse(site)) : null;
}

/**
 * Lands one pulled page in one transaction: rows, tombstones and the cursor move together, so a
 * console killed between pages resumes exactly where the last stored page ended.
 */
export function applyPullPage(db: SqliteDatabase, page: SyncPullPage, actor: Actor, now: Date): void {
  // A pulled page is a copy of the server's rows: its commit need not wait for the disk
  // (synchronous=NORMAL). WAL still keeps it atomic, so a power cut loses the page and its cursor
  // together and the next pull asks for it again; the next FULL commit (a person's action) makes
  // it durable with everything before it. Restored at once: better-sqlite3 is synchronous, so no
  // other transaction commits in between.
  db.pragma("synchronous = NORMAL");
  try {
    storePage(db, page, actor, now);
  } finally {
    db.pragma("synchronous = FULL");
  }
}

function storePage(db: SqliteDatabase, page: SyncPullPage, actor: Actor, now: Date): void {
  db.transaction(() => {
    const state = readSyncState(db);
    // The first page of a full snapshot opens a new generation; rows it does not reach are dropped at its end.
    const startsFull = page.full && page.site !== null;
    const generation = startsFull ? state.generation + 1 : state.generation;
    for (const customer of page.customers) storeCustomer(db, customer);
    const known = { waiting: jobsWithPendingChanges(db), heldSeqs: heldChangeSeqs(db, page.jobs.map((job) => job.id)) };
    for (const job of page.jobs) storeServerJob(db, job, actor, page.full ? generation : null, known);
    for (const tombstone of page.tombstones) dropJob(db, tombstone.id);
    if (page.handoffs) {
      stmt(db, "DELETE FROM handoffs").run();
      for (const handoff of page.handoffs) storeHandoff(db, handoff);
    }
    stmt(db, 
      `UPDATE sync_state SET cursor = ?, round_full = ?, generation = ?, last_server_time = ?, site = COALESCE(?, site)${page.hasMore ? "" : ", last_sync_at = ?"} WHERE id = 1`,
    ).run(
      page.cursor,
      page.full ? 1 : 0,
      generation,
      page.serverTime,
      page.site ? JSON.stringify(page.site) : null,
      ...(page.hasMore ? [] : [now.toISOString()]),
    );
    if (!page.hasMore) {
      if (page.full) {
        // What the snapshot did not send is no longer in scope (a cache that outlived a bad cursor).
        for (const row of stmt<[number], { id: string }>(db, "SELECT id FROM jobs WHERE generation < ?").all(generation)) dropJob(db, row.id);
      }
      pruneClosedJobs(db, new Date(page.serverTime));
    }
  })();
}

/** Drops a job that left the console's scope, unless a change of ours still waits for it. */
function dropJob(db: SqliteDatabase, id: string): void {
  if (pendingForJob(db, id).length > 0) return;
  stmt(db, "DELETE FROM jobs WHERE id = ?").run(id);
}

/** Closed jobs leave the cache once they are older than the window, as they leave the server's scope. */
function pruneClosedJobs(db: SqliteDatabase, serverNow: Date): void {
  const cutoff = new Date(serverNow.getTime() - SYNC_WINDOW_DAYS * 86_400_000).toISOString();
  const closed = TERMINAL_STATUSES.map(() => "?").join(", ");
  const stale = db
    .prepare<unknown[], { id: string }>(`SELECT id FROM jobs WHERE status IN (${closed}) AND updated_at < ?`)
    .all(...TERMINAL_STATUSES, cutoff);
  for (const row of stale) dropJob(db, row.id);
}

/** Forgets the cursor: the next pull is a full snapshot (the server refused the cursor). */
export function resetCursor(db: SqliteDatabase): void {
  stmt(db, "UPDATE sync_state SET cursor = NULL WHERE id = 1").run();
}
