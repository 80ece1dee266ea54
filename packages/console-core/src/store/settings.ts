// The console's settings: small values (the server URL, who is signed in, the station and site as
// the server last described them) kept in the database, so they move with the outbox they explain.
import { stmt, type SqliteDatabase } from "./database.ts";

export function readSetting(db: SqliteDatabase, key: string): string | null {
  return stmt<[string], { value: string }>(db, "SELECT value FROM settings WHERE key = ?").get(key)?.value ?? null;
}

/** Stores `value` under `key`; null removes the setting. */
export function writeSetting(db: SqliteDatabase, key: string, value: string | null): void {
  if (value === null) stmt(db, "DELETE FROM settings WHERE key = ?").run(key);
  else stmt(db, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
}
