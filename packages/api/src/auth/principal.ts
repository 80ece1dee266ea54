import type { UserRole } from "@orderdeck/contracts";
import type { PrismaClient } from "@orderdeck/db";
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
}

// Writing last-seen on every request would turn every read into a write; a minute is precise enough.
const TOUCH_AFTER_MS = 60_000;

/** Reads `Authorization: Bearer <session>` and `X-Station-Token`; null when either fails. */
export async function resolvePrincipal(
  prisma: PrismaClient,
  policy: SessionPolicy,
  headers: { authorization?: string | undefined; stationToken?: string | undefined },
  now = new Date(),
): Promise<Principal | null> {
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(headers.authorization ?? "");
  if (!match?.[1]) return null;
  const session = await prisma.session.findUnique({
    where: { tokenHash: hashToken(policy.secretKey, match[1]) },
    include: { user: true, station: true },
  });
  if (!session || session.revokedAt || session.expiresAt <= now || session.user.disabled) return null;

  let station = session.station;
  if (headers.stationToken !== undefined) {
    if (!/^[A-Za-z0-9_-]{20,200}$/.test(headers.stationToken)) return null;
    station = await prisma.station.findUnique({ where: { tokenHash: hashToken(policy.secretKey, headers.stationToken) } });
    if (!station || station.siteId !== session.siteId) return null;
  }
  if (station?.revokedAt) return null;

  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    await prisma.session.update({
      where: { id: session.id },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + policy.idleMs) },
    });
    if (station) await prisma.station.update({ where: { id: station.id }, data: { lastSeenAt: now } });
  }

  return {
    userId: session.userId,
    siteId: session.siteId,
    role: session.user.role,
    email: session.user.email,
    name: session.user.name,
    sessionId: session.id,
    stationId: station?.id ?? null,
    stationName: station?.name ?? null,
  };
}
