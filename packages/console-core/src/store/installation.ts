// This console installation's own key: made once, kept in its database (so it lives exactly as long
// as the outbox it vouches for), sent with every enrollment. The server keys its client-mutation
// ledger on the installation the key names, so a console enrolled again (a new station) is still
// recognised for the changes its earlier station sent (see stations.enroll on the server).
import { randomBytes } from "node:crypto";
import { stmt, type SqliteDatabase } from "./database.ts";

const SETTING = "installation_key";

export function installationKey(db: SqliteDatabase): string {
  stmt(db, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING").run(SETTING, randomBytes(32).toString("base64url"));
  const row = stmt<[string], { value: string }>(db, "SELECT value FROM settings WHERE key = ?").get(SETTING);
  if (!row) throw new Error("the console's installation key could not be stored");
  return row.value;
}
