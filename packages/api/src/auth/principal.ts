import type { UserRole } from "@orderdeck/contracts";
import { Prisma, queryDirect, type PrismaClient } from "@orderdeck/db";
import { hashToken } from "./tokens.ts";

/** Who is calling: a signed-in user, and the enrolled console they use, if any. */
export interface Principal {
  userId: string;
  siteId: string;
  role: UserRole;
  email: string;
  name: string;
  sessionId: string;
  stationId: string | null;
  stationName: string | null;
}

export interface SessionPolicy {
  secretKey: string;
  /** A session unused for this long expires; every use pushes the expiry out again. */
  idleMs: number;
  /**
   * However much it is used, a session ends this long after it was opened (SESSION_MAX_DAYS;
   * default DEFAULT_SESSION_MAX_AGE_MS): a stolen token cannot be kept alive by using it.
   */
  maxAgeMs?: number;
}

export const DEFAULT_SESSION_MAX_AGE_MS = 7 * 24 * 3_600_000;

/**
 * When a session used at `now` expires: idle time from now, never past its absolute end. Counted
 * from `created_at`, so a shorter SESSION_MAX_DAYS applies to the sessions already open.
 */
export function sessionExpiry(policy: SessionPolicy, createdAt: Date, now: Date): Date {
  const absoluteEnd = createdAt.getTime() + (policy.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS);
  return new Date(Math.min(now.getTime() + policy.idleMs, absoluteEnd));
}

// Writing last-seen on every request would turn every read into a write; a minute is precise enough.
const TOUCH_AFTER_MS = 60_000;

interface PrincipalRow {
  session_id: string;
  site_id: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  session_revoked_at: Date | null;
  role: UserRole;
  email: string;
  name: string;
  disabled: boolean;
  station_id: string | null;
  station_site_id: string | null;
  station_name: string | null;
  station_revoked_at: Date | null;
}

/**
 * Reads `Authorization: Bearer <session>` and `X-Station-Token`; null when either fails. Every
 * request reads the session, its user and its station afresh (one statement), so a revocation, a
 * disabled user or a revoked station takes effect on the very next request.
 */
export async function resolvePrincipal(
  prisma: PrismaClient,
  policy: SessionPolicy,
  headers: { authorization?: string | undefined; stationToken?: string | undefined },
  now = new Date(),
): Promise<Principal | null> {
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(headers.authorization ?? "");
  if (!match?.[1]) return null;
  if (headers.stationToken !== undefined && !/^[A-Za-z0-9_-]{20,200}$/.test(headers.stationToken)) return null;
  const stationHash = headers.stationToken === undefined ? null : hashToken(policy.secretKey, headers.stationToken);
  // The station is the one named by the station token when one is sent, else the session's own.
  // Straight on the pool, outside Prisma: this read comes before every authenticated call.
  const rows = await queryDirect<PrincipalRow>(
    prisma,
    Prisma.sql`
    SELECT s.id::text AS session_id, s.site_id::text AS site_id, s.user_id::text AS user_id,
           s.created_at, s.last_seen_at, s.expires_at, s.revoked_at AS session_revoked_at,
           u.role::text AS role, u.email, u.name, u.disabled,
           st.id::text AS station_id, st.site_id::text AS station_site_id, st.name AS station_name,
           st.revoked_at AS station_revoked_at
      FROM sessions s
      JOIN users u ON u.id = s.user_id
      LEFT JOIN stations st ON st.id = CASE WHEN ${stationHash}::text IS NULL THEN s.station_id
                                            ELSE (SELECT id FROM stations WHERE token_hash = ${stationHash}::text) END
     WHERE s.token_hash = ${hashToken(policy.secretKey, match[1])}`,
  );
  const row = rows[0];
  if (!row || row.session_revoked_at || row.disabled) return null;
  // The stored expiry is capped at the absolute end when the session is touched; a session
  // untouched since a shorter SESSION_MAX_DAYS was set is held to it here.
  if (row.expires_at <= now || sessionExpiry(policy, row.created_at, now) <= now) return null;
  if (stationHash !== null && (row.station_id === null || row.station_site_id !== row.site_id)) return null;
  if (row.station_revoked_at) return null;

  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    const expiresAt = sessionExpiry(policy, row.created_at, now);
    // One statement for both touches: a committed write costs a flush, so it is paid once.
    await prisma.$executeRaw`
      WITH touched AS (
        UPDATE sessions SET last_seen_at = ${now}, expires_at = ${expiresAt} WHERE id = ${row.session_id}::uuid RETURNING id
      )
      UPDATE stations SET last_seen_at = ${now}
       WHERE id = ${row.station_id}::uuid AND EXISTS (SELECT 1 FROM touched)`;
  }

  return {
    userId: row.user_id,
    siteId: row.site_id,
    role: row.role,
    email: row.email,
    name: row.name,
    sessionId: row.session_id,
    stationId: row.station_id,
    stationName: row.station_name,
  };
}

/**
 * Whether a session resolved earlier still stands: not revoked, not expired (idle or absolute),
 * its user not disabled, its station (if any) not revoked. One read by primary keys and without a
 * touch, for what holds a session open without calling again (sync.events re-checks with it).
 */
export async function sessionStillValid(prisma: PrismaClient, policy: SessionPolicy, principal: Principal, now = new Date()): Promise<boolean> {
  const rows = await prisma.$queryRaw<Array<{ created_at: Date; expires_at: Date }>>`
    SELECT s.created_at, s.expires_at
      FROM sessions s
      JOIN users u ON u.id = s.user_id AND NOT u.disabled
     WHERE s.id = ${principal.sessionId}::uuid AND s.revoked_at IS NULL
       AND (${principal.stationId}::uuid IS NULL
            OR EXISTS (SELECT 1 FROM stations st WHERE st.id = ${principal.stationId}::uuid AND st.revoked_at IS NULL))`;
  const row = rows[0];
  return row !== undefined && row.expires_at > now && sessionExpiry(policy, row.created_at, now) > now;
}
