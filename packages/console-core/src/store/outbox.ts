// The outbox: every user action, durable before anything is shown, with who made it, replayed to
// the server in order under a session of that person only (see console-core/src/outbox/).
import { randomUUID } from "node:crypto";
import { SYNC_MUTATION_ARGS, SyncMutationResult, type SyncMutation, type SyncMutationType } from "@orderdeck/contracts";
import { stmt, type SqliteDatabase } from "./database.ts";

export type OutboxStatus = "pending" | "sent" | "applied" | "rejected" | "conflict";

export interface OutboxRow {
  seq: number;
  mutation_id: string;
  type: SyncMutationType;
  args: string;
  client_time: string;
  status: OutboxStatus;
  job_id: string | null;
  attempts: number;
  result: string | null;
  created_at: string;
  settled_at: string | null;
  /** Null only for changes written before the outbox recorded authors (see the SQLite migration). */
  author_id: string | null;
  author_name: string | null;
  author_session: string | null;
  held_session: string | null;
}

/** Who makes a change, or sends the changes: a user, under one of their sessions. */
export interface Author {
  userId: string;
  name: string;
  /** The server's id of the session; null when the sign-in predates the console recording it. */
  sessionId: string | null;
}

/** The people whose changes wait, and how many each: what "waiting for <name> to sign in" is made of. */
export interface WaitingGroup {
  userId: string | null;
  name: string | null;
  count: number;
}

const WAITING = "status IN ('pending', 'sent')";

export function toMutation(row: Pick<OutboxRow, "mutation_id" | "type" | "args" | "client_time" | "author_id">): SyncMutation {
  const args: unknown = SYNC_MUTATION_ARGS[row.type].parse(JSON.parse(row.args));
  return { id: row.mutation_id, type: row.type, args, clientTime: row.client_time, ...(row.author_id ? { authorId: row.author_id } : {}) } as SyncMutation;
}

/** Queues a change made by `author`; the caller's transaction also applies it to the cache. */
export function enqueue(db: SqliteDatabase, mutation: Omit<SyncMutation, "id" | "authorId">, jobId: string | null, author: Author, now: Date): SyncMutation {
  const id = randomUUID();
  stmt(
    db,
    `INSERT INTO outbox (mutation_id, type, args, client_time, job_id, created_at, author_id, author_name, author_session)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, mutation.type, JSON.stringify(mutation.args), mutation.clientTime, jobId, now.toISOString(), author.userId, author.name, author.sessionId);
  return { ...mutation, id, authorId: author.userId } as SyncMutation;
}

/** Changes of one job still waiting for the server's answer, oldest first, whoever made them. */
export function pendingForJob(db: SqliteDatabase, jobId: string): OutboxRow[] {
  return stmt<[string], OutboxRow>(db, `SELECT * FROM outbox WHERE job_id = ? AND ${WAITING} ORDER BY seq`).all(jobId);
}

/**
 * The next changes `sender` may send, in the order they were made: their own, and not those the
 * server deferred under this very session. Everyone else's wait. `afterSeq`: only the changes made
 * after that one (a batch whose answers have arrived but not yet landed still waits).
 */
export function nextBatch(db: SqliteDatabase, limit: number, sender: Author, afterSeq = 0): OutboxRow[] {
  return stmt<[string, string, number, number], OutboxRow>(
    db,
    `SELECT * FROM outbox WHERE author_id = ? AND ${WAITING} AND (held_session IS NULL OR held_session <> ?) AND seq > ? ORDER BY seq LIMIT ?`,
  ).all(sender.userId, sender.sessionId ?? "", afterSeq, limit);
}

export function markSent(db: SqliteDatabase, ids: readonly string[]): void {
  const update = stmt(db, `UPDATE outbox SET status = 'sent', attempts = attempts + 1 WHERE mutation_id = ? AND ${WAITING}`);
  db.transaction(() => {
    for (const id of ids) update.run(id);
  })();
}

/** The server's recorded answer (applied, rejected, conflict): the change no longer waits. */
export function settle(db: SqliteDatabase, result: SyncMutationResult, now: Date): void {
  stmt(db, "UPDATE outbox SET status = ?, result = ?, settled_at = ? WHERE mutation_id = ?").run(
    result.status,
    JSON.stringify(result),
    now.toISOString(),
    result.id,
  );
}

/** The server deferred the change under `sessionId` (who sent it, not what it is): it waits for a later session. */
export function hold(db: SqliteDatabase, mutationId: string, sessionId: string | null): void {
  stmt(db, `UPDATE outbox SET status = 'pending', held_session = ? WHERE mutation_id = ? AND ${WAITING}`).run(sessionId ?? "", mutationId);
}

export function outboxSize(db: SqliteDatabase): number {
  return stmt<[], { n: number }>(db, `SELECT count(*) AS n FROM outbox WHERE ${WAITING}`).get()?.n ?? 0;
}

/** Whose changes wait, apart from `signedIn`'s (all of them when nobody is signed in), oldest author first. */
export function waitingGroups(db: SqliteDatabase, signedIn: string | null): WaitingGroup[] {
  // The name as the author's latest change recorded it (a renamed user's new name).
  return stmt<[string | null], { author_id: string | null; author_name: string | null; n: number }>(
    db,
    `SELECT o.author_id, count(*) AS n,
            (SELECT l.author_name FROM outbox l WHERE l.author_id IS o.author_id ORDER BY l.seq DESC LIMIT 1) AS author_name
       FROM outbox o WHERE o.status IN ('pending', 'sent') AND o.author_id IS NOT ? GROUP BY o.author_id ORDER BY min(o.seq)`,
  )
    .all(signedIn)
    .map((row) => ({ userId: row.author_id, name: row.author_name, count: row.n }));
}

/** The waiting changes of everyone but `signedIn`, in outbox order. */
export function waitingForOthers(db: SqliteDatabase, signedIn: string): OutboxRow[] {
  return stmt<[string], OutboxRow>(db, `SELECT * FROM outbox WHERE ${WAITING} AND author_id IS NOT ? ORDER BY seq`).all(signedIn);
}

/**
 * A lead takes over the changes written before the console recorded authors, when it could not
 * tell whose they were (see the SQLite migration): they go out under the lead's session and the
 * server records the lead. Changes with an author are never taken over; they wait for that person.
 */
export function adoptUnattributed(db: SqliteDatabase, lead: Author): number {
  return stmt(db, `UPDATE outbox SET author_id = ?, author_name = ?, author_session = ? WHERE author_id IS NULL AND ${WAITING}`).run(
    lead.userId,
    lead.name,
    lead.sessionId,
  ).changes;
}

export function getOutboxRow(db: SqliteDatabase, mutationId: string): OutboxRow | null {
  return stmt<[string], OutboxRow>(db, "SELECT * FROM outbox WHERE mutation_id = ?").get(mutationId) ?? null;
}

export function resultOf(row: OutboxRow): SyncMutationResult | null {
  return row.result ? SyncMutationResult.parse(JSON.parse(row.result)) : null;
}

/** Read on the outbox_pickup_code index (its plan is checked in offline.test.ts). */
export const PENDING_PICKUP_STATEMENT = `SELECT * FROM outbox WHERE type = 'pickup.confirm' AND json_extract(args, '$.code') = ? AND ${WAITING} ORDER BY seq LIMIT 1`;

/** This station's handover of `code` that the server has not answered yet, if any. */
export function pendingPickupOf(db: SqliteDatabase, code: string): OutboxRow | null {
  return stmt<[string], OutboxRow>(db, PENDING_PICKUP_STATEMENT).get(code) ?? null;
}

/** How many changes to the job wait for the server's answer (the board's "pending" mark). */
export function waitingCountForJob(db: SqliteDatabase, jobId: string): number {
  return stmt<[string], { n: number }>(db, `SELECT count(*) AS n FROM outbox WHERE job_id = ? AND ${WAITING}`).get(jobId)?.n ?? 0;
}

/** How many changes wait on each of these jobs; jobs nothing waits on are left out (one statement for a page of the board). */
export function waitingCountsForJobs(db: SqliteDatabase, jobIds: readonly string[]): Map<string, number> {
  if (jobIds.length === 0) return new Map();
  const rows = stmt<[string], { job_id: string; n: number }>(
    db,
    `SELECT job_id, count(*) AS n FROM outbox WHERE job_id IN (SELECT value FROM json_each(?)) AND ${WAITING} GROUP BY job_id`,
  ).all(JSON.stringify(jobIds));
  return new Map(rows.map((row) => [row.job_id, row.n]));
}

/** Replaces the arguments of a change that still waits (a handover the person made on the cache's word). */
export function rewriteWaitingArgs(db: SqliteDatabase, mutationId: string, args: unknown): void {
  stmt(db, `UPDATE outbox SET args = ? WHERE mutation_id = ? AND ${WAITING}`).run(JSON.stringify(args), mutationId);
}
