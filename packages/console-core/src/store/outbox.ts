// The outbox: every user action, durable before anything is shown, replayed to the server in order.
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
}

export function toMutation(row: Pick<OutboxRow, "mutation_id" | "type" | "args" | "client_time">): SyncMutation {
  const args: unknown = SYNC_MUTATION_ARGS[row.type].parse(JSON.parse(row.args));
  return { id: row.mutation_id, type: row.type, args, clientTime: row.client_time } as SyncMutation;
}

/** Queues a change; the caller's transaction also applies it to the cache. */
export function enqueue(db: SqliteDatabase, mutation: Omit<SyncMutation, "id">, jobId: string | null, now: Date): SyncMutation {
  const id = randomUUID();
  stmt(db, 
    "INSERT INTO outbox (mutation_id, type, args, client_time, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  ).run(id, mutation.type, JSON.stringify(mutation.args), mutation.clientTime, jobId, now.toISOString());
  return { ...mutation, id } as SyncMutation;
}

/** Changes of one job still waiting for the server's answer, oldest first. */
export function pendingForJob(db: SqliteDatabase, jobId: string): SyncMutation[] {
  return db
    .prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE job_id = ? AND status IN ('pending', 'sent') ORDER BY seq")
    .all(jobId)
    .map(toMutation);
}

/** The next changes to send, in the order they were made. */
export function nextBatch(db: SqliteDatabase, limit: number): OutboxRow[] {
  return stmt<[number], OutboxRow>(db, "SELECT * FROM outbox WHERE status IN ('pending', 'sent') ORDER BY seq LIMIT ?").all(limit);
}

export function markSent(db: SqliteDatabase, ids: readonly string[]): void {
  const update = stmt(db, "UPDATE outbox SET status = 'sent', attempts = attempts + 1 WHERE mutation_id = ? AND status IN ('pending', 'sent')");
  db.transaction(() => {
    for (const id of ids) update.run(id);
  })();
}

export function settle(db: SqliteDatabase, result: SyncMutationResult, now: Date): void {
  stmt(db, "UPDATE outbox SET status = ?, result = ?, settled_at = ? WHERE mutation_id = ?").run(
    result.status,
    JSON.stringify(result),
    now.toISOString(),
    result.id,
  );
}

export function outboxSize(db: SqliteDatabase): number {
  return (stmt<[], { n: number }>(db, "SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sent')").get()?.n ?? 0);
}

export function getOutboxRow(db: SqliteDatabase, mutationId: string): OutboxRow | null {
  return stmt<[string], OutboxRow>(db, "SELECT * FROM outbox WHERE mutation_id = ?").get(mutationId) ?? null;
}

export function resultOf(row: OutboxRow): SyncMutationResult | null {
  return row.result ? SyncMutationResult.parse(JSON.parse(row.result)) : null;
}

/** This station's handover of `code` that the server has not answered yet, if any. */
export function pendingPickupOf(db: SqliteDatabase, code: string): OutboxRow | null {
  const rows = db
    .prepare<[], OutboxRow>("SELECT * FROM outbox WHERE type = 'pickup.confirm' AND status IN ('pending', 'sent') ORDER BY seq")
    .all();
  return rows.find((row) => (JSON.parse(row.args) as { code?: string }).code === code) ?? null;
}
