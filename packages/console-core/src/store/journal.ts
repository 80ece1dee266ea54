// What the console keeps about its own sync (a short log) and what it must tell the person (notices).
import type { Notice } from "../api.ts";
import { stmt, type SqliteDatabase } from "./database.ts";

const SYNC_LOG_KEEP = 500;

export function logSync(db: SqliteDatabase, kind: "push" | "pull" | "error", detail: string, at: Date): void {
  stmt(db, "INSERT INTO sync_log (at, kind, detail) VALUES (?, ?, ?)").run(at.toISOString(), kind, detail.slice(0, 1000));
  stmt(db, "DELETE FROM sync_log WHERE id <= (SELECT max(id) FROM sync_log) - ?").run(SYNC_LOG_KEEP);
}

export function addNotice(
  db: SqliteDatabase,
  notice: { level: Notice["level"]; message: string; jobId: string | null; mutationId: string | null; at: Date },
): void {
  stmt(db, "INSERT INTO notices (at, level, message, job_id, mutation_id) VALUES (?, ?, ?, ?, ?)").run(
    notice.at.toISOString(),
    notice.level,
    notice.message,
    notice.jobId,
    notice.mutationId,
  );
}

export function listNotices(db: SqliteDatabase): Notice[] {
  return db
    .prepare<[], { id: number; at: string; level: Notice["level"]; message: string; job_id: string | null; mutation_id: string | null }>(
      "SELECT id, at, level, message, job_id, mutation_id FROM notices WHERE dismissed_at IS NULL ORDER BY id DESC LIMIT 200",
    )
    .all()
    .map((row) => ({ id: row.id, at: row.at, level: row.level, message: row.message, jobId: row.job_id, mutationId: row.mutation_id }));
}

export function dismissNotice(db: SqliteDatabase, id: number, at: Date): void {
  stmt(db, "UPDATE notices SET dismissed_at = ? WHERE id = ? AND dismissed_at IS NULL").run(at.toISOString(), id);
}
