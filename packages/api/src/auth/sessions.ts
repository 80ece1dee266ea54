import type { TransactionClient } from "@orderdeck/db";
import { sessionExpiry, type SessionPolicy } from "./principal.ts";
import { hashToken, newToken } from "./tokens.ts";

export interface NewSession {
  siteId: string;
  userId: string;
  stationId: string | null;
  ip: string;
  userAgent: string | undefined;
}

export interface OpenedSession {
  sessionId: string;
  /** Shown once, to the client that signed in; only its hash is stored. */
  token: string;
  expiresAt: Date;
}

// The table's CHECK constraints bound these; what a client sends is cut to fit, never refused.
const clip = (value: string, max: number) => (value.length > max ? value.slice(0, max) : value);

export async function openSession(tx: TransactionClient, policy: SessionPolicy, session: NewSession, now = new Date()): Promise<OpenedSession> {
  const token = newToken();
  const expiresAt = sessionExpiry(policy, now, now);
  const row = await tx.session.create({
    data: {
      siteId: session.siteId,
      userId: session.userId,
      stationId: session.stationId,
      tokenHash: hashToken(policy.secretKey, token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: clip(session.ip, 64),
      userAgent: session.userAgent === undefined ? null : clip(session.userAgent, 1024),
    },
  });
  return { sessionId: row.id, token, expiresAt };
}

/** Ends every live session of a user (disabled, role changed, password reset): they sign in again. */
export async function revokeSessionsOfUser(tx: TransactionClient, userId: string, now = new Date()): Promise<number> {
  const { count } = await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
  return count;
}

/** Ends every live session opened at a station (the station was revoked). */
export async function revokeSessionsAtStation(tx: TransactionClient, stationId: string, now = new Date()): Promise<number> {
  const { count } = await tx.session.updateMany({ where: { stationId, revokedAt: null }, data: { revokedAt: now } });
  return count;
}
