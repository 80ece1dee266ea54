import { DomainError, type UserRole } from "@orderdeck/contracts";
import { inSite, type Station } from "@orderdeck/db";
import { writeAudit, writeCallerAudit, type AuditEntry } from "../audit/log.ts";
import type { AuthedContext, Context } from "../context.ts";
import { accountAddressKey, limiterKey, lock, refund, reset, spend, type LimiterName } from "../rate-limits/limits.ts";
import { verifyAgainstDecoy, verifyPassword } from "./passwords.ts";
import { openSession } from "./sessions.ts";
import { hashToken } from "./tokens.ts";

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
}

export interface SiteView {
  id: string;
  name: string;
  timezone: string;
}

export interface StationView {
  id: string;
  name: string;
}

export interface SignedIn {
  /** The bearer token of the new session; shown only in this answer. */
  token: string;
  /** The session's id (not a secret): a console records it with each change made under it. */
  sessionId: string;
  expiresAt: Date;
  user: UserView;
  site: SiteView;
  station: StationView | null;
}

// One answer for an unknown address, a wrong password and a disabled account, so that sign-in
// tells a guesser nothing about which accounts exist.
const REFUSED = "Wrong email or password, or the account is disabled.";
type LoginLimiter = "loginPerIp" | "loginPerAccountAddress" | "loginPerEmail";
const LOCKED: Record<LoginLimiter, string> = {
  loginPerIp: "Too many failed sign-ins from this address; sign-in from it is locked for now.",
  loginPerAccountAddress: "Too many failed sign-ins to this account from this address; sign-in from here is locked for now (another address or an enrolled console is not).",
  loginPerEmail: "Too many failed sign-ins to this account from many addresses, so its sign-ins are slowed down (not at an enrolled console).",
};
const STATION_INVALID = "This console's station enrollment is not valid any more (it may have been revoked); ask an admin to enroll it again.";

const STATION_TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

/** The station named by the request's station token; undefined without one; refused when it is not valid. */
async function stationOfRequest(ctx: Context): Promise<Station | undefined> {
  const token = ctx.credentials.stationToken;
  if (token === undefined) return undefined;
  const station = STATION_TOKEN.test(token)
    ? await ctx.prisma.station.findUnique({ where: { tokenHash: hashToken(ctx.sessions.secretKey, token) } })
    : null;
  if (!station || station.revokedAt) throw new DomainError("UNAUTHENTICATED", STATION_INVALID);
  return station;
}

/**
 * Spends one attempt on each of `limiters`, in order; refused when one is spent or its store fails
 * (an attempt refused by the address's limit spends nothing of the account's). Answers the points
 * each has left.
 */
async function spendAttempt(ctx: Context, keys: Record<LoginLimiter, string>, limiters: readonly LoginLimiter[]) {
  try {
    const remaining: Partial<Record<LoginLimiter, number>> = {};
    for (const name of limiters) remaining[name] = (await spend(ctx, name, keys[name], LOCKED[name])).remainingPoints;
    return remaining;
  } catch (error) {
    const reason = error instanceof DomainError && error.reason === "RATE_LIMITED" ? "locked" : "unavailable";
    ctx.metrics.loginFailures.inc({ reason });
    throw error;
  }
}

/**
 * Email and password to a session. Every attempt is counted before the password is looked at (so
 * parallel guesses cannot overrun the limits): per address, per account and address (the lock a
 * guesser at one address runs into, leaving the account open from anywhere else), and per account
 * from anywhere, which only slows the account down and is not counted at an enrolled console (a
 * station token is a secret no guesser has): however many addresses guess, the shop's own
 * consoles, and so its last admin, still sign in. A success gives its points back. The limiters'
 * store failing refuses the sign-in.
 */
export async function login(ctx: Context, input: { email: string; password: string }): Promise<SignedIn> {
  const station = await stationOfRequest(ctx);
  const keys: Record<LoginLimiter, string> = {
    loginPerIp: limiterKey(ctx.ip),
    loginPerAccountAddress: accountAddressKey(input.email, ctx.ip),
    loginPerEmail: limiterKey(input.email),
  };
  const limiters: LoginLimiter[] = station ? ["loginPerIp", "loginPerAccountAddress"] : ["loginPerIp", "loginPerAccountAddress", "loginPerEmail"];
  const remaining = await spendAttempt(ctx, keys, limiters);

  const user = await ctx.prisma.user.findUnique({ where: { email: input.email }, include: { site: true } });
  const passwordOk = user ? await verifyPassword(user.passwordHash, input.password) : await verifyAgainstDecoy(input.password);
  const refusal = !user
    ? "unknown_email"
    : !passwordOk
      ? "wrong_password"
      : user.disabled
        ? "disabled"
        : station && station.siteId !== user.siteId
          ? "station_of_other_site"
          : undefined;

  if (refusal || !user) {
    ctx.metrics.loginFailures.inc({ reason: "credentials" });
    const locked: Array<{ limiter: LimiterName; lockedForSeconds: number }> = [];
    for (const name of limiters) {
      if (remaining[name] === 0) locked.push({ limiter: name, lockedForSeconds: await lock(ctx, name, keys[name]) });
    }
    const siteId = user?.siteId ?? null;
    // A station of another site is not named in this site's log.
    const base = { siteId, actorStationId: station && station.siteId === siteId ? station.id : null };
    const entries: AuditEntry[] = [
      {
        ...base,
        action: "auth.sign_in_failed",
        target: user ? `user:${user.id}` : `email:${input.email}`,
        details: { reason: refusal ?? "unknown_email" },
      },
      ...locked.map(
        (l): AuditEntry => ({
          ...base,
          action: "auth.lockout",
          target: l.limiter === "loginPerIp" ? `ip:${ctx.ip}` : user ? `user:${user.id}` : `email:${input.email}`,
          details: { limiter: l.limiter, lockedForSeconds: l.lockedForSeconds, ...(l.limiter === "loginPerAccountAddress" ? { ip: ctx.ip } : {}) },
        }),
      ),
    ];
    const write = async (db: Parameters<typeof writeAudit>[0]) => {
      for (const entry of entries) await writeAudit(db, ctx, entry);
    };
    if (siteId) await inSite(ctx.prisma, siteId, write);
    else await write(ctx.prisma);
    throw new DomainError("UNAUTHENTICATED", REFUSED);
  }

  // Only failures count: the attempt's points come back, and the person's own typos from this
  // address are forgotten. Failures from other addresses still count against the account.
  await refund(ctx, "loginPerIp", keys.loginPerIp);
  await reset(ctx, "loginPerAccountAddress", keys.loginPerAccountAddress);
  if (limiters.includes("loginPerEmail")) await refund(ctx, "loginPerEmail", keys.loginPerEmail);

  const opened = await inSite(ctx.prisma, user.siteId, async (tx) => {
    const now = new Date();
    const session = await openSession(
      tx,
      ctx.sessions,
      { siteId: user.siteId, userId: user.id, stationId: station?.id ?? null, ip: ctx.ip, userAgent: ctx.userAgent },
      now,
    );
    await tx.user.update({ where: { id: user.id }, data: { lastSignInAt: now } });
    await writeAudit(tx, ctx, {
      siteId: user.siteId,
      actorUserId: user.id,
      actorStationId: station?.id ?? null,
      action: "auth.sign_in",
      target: `user:${user.id}`,
      details: { sessionId: session.sessionId },
    });
    return session;
  });

  return {
    token: opened.token,
    sessionId: opened.sessionId,
    expiresAt: opened.expiresAt,
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    site: { id: user.site.id, name: user.site.name, timezone: user.site.timezone },
    station: station ? { id: station.id, name: station.name } : null,
  };
}

/** Ends the session the request came with. */
export async function logout(ctx: AuthedContext): Promise<{ signedOut: true }> {
  const { principal } = ctx;
  await inSite(ctx.prisma, principal.siteId, async (tx) => {
    await tx.session.updateMany({ where: { id: principal.sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
    await writeCallerAudit(tx, ctx, {
      action: "auth.sign_out",
      target: `user:${principal.userId}`,
      details: { sessionId: principal.sessionId },
    });
  });
  return { signedOut: true };
}

export interface Me {
  user: UserView;
  site: SiteView;
  station: StationView | null;
}

/** Who the console is signed in as, where, and at which station. */
export async function me(ctx: AuthedContext): Promise<Me> {
  const { principal } = ctx;
  const site = await inSite(ctx.prisma, principal.siteId, (tx) =>
    tx.site.findUniqueOrThrow({ where: { id: principal.siteId }, select: { id: true, name: true, timezone: true } }),
  );
  return {
    user: { id: principal.userId, email: principal.email, name: principal.name, role: principal.role },
    site,
    station: principal.stationId && principal.stationName ? { id: principal.stationId, name: principal.stationName } : null,
  };
}
