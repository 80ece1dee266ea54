// Helpers shared by the access tests (auth, stations, users, rate limits).
import type { ApiHarness } from "./harness.ts";

export interface AuditRow {
  site_id: string | null;
  actor_user_id: string | null;
  actor_station_id: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  request_id: string | null;
}

export async function auditRows(harness: ApiHarness, action?: string): Promise<AuditRow[]> {
  const result = await harness.db.pool.query<AuditRow>(
    `SELECT site_id, actor_user_id, actor_station_id, action, target, details, ip, request_id
       FROM audit_log WHERE ($1::text IS NULL OR action = $1) ORDER BY at, id`,
    [action ?? null],
  );
  return result.rows;
}

/** A bearer credential from a token. */
export const bearer = (token: string) => `Bearer ${token}`;
