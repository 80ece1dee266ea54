import { createHash } from "node:crypto";
import { DomainError, type EnrollmentCreated, type PendingEnrollment, type StationList, type StationRevoked, type StationView } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import { writeAudit, writeCallerAudit } from "../audit/log.ts";
import { revokeSessionsAtStation } from "../auth/sessions.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import type { AuthedContext, Context } from "../context.ts";
import { limiterKey, refund, spend } from "../rate-limits/limits.ts";
import { newEnrollmentCode, normalizeEnrollmentCode } from "./enrollment-code.ts";

/** A code is a day's errand (an admin sets up a console), not a standing credential. */
export const ENROLLMENT_TTL_MS = 24 * 3_600_000;

// One answer whether the code never existed, was used or expired: a guesser learns nothing, and
// the person at the console has one thing to do either way.
const CODE_REFUSED = "That enrollment code is not valid: it may be mistyped, already used or expired. Ask an admin for a new one.";

/**
 * Stores a new one-time code for a station called `name`, in the caller's transaction; the code is
 * in the answer only (its hash, keyed with the server secret, is what is stored).
 */
export async function issueEnrollment(
  tx: TransactionClient,
  secretKey: string,
  input: { siteId: string; name: string; createdById: string },
): Promise<EnrollmentCreated> {
  const code = newEnrollmentCode();
  const canonical = normalizeEnrollmentCode(code);
  if (!canonical) throw new Error("a new enrollment code failed its own format");
  const expiresAt = new Date(Date.now() + ENROLLMENT_TTL_MS);
  const row = await tx.stationEnrollment.create({
    data: { siteId: input.siteId, name: input.name, codeHash: hashToken(secretKey, canonical), createdById: input.createdById, expiresAt },
  });
  return { enrollmentId: row.id, name: row.name, code, expiresAt: expiresAt.toISOString() };
}

export async function createEnrollment(ctx: AuthedContext, input: { name: string }): Promise<EnrollmentCreated> {
  const { principal } = ctx;
  return inSite(ctx.prisma, principal.siteId, async (tx) => {
    const created = await issueEnrollment(tx, ctx.sessions.secretKey, { siteId: principal.siteId, name: input.name, createdById: principal.userId });
    await writeCallerAudit(tx, ctx, {
      action: "station.enrollment_created",
      target: `enrollment:${created.enrollmentId}`,
      details: { name: input.name, expiresAt: created.expiresAt },
    });
    return created;
  });
}

export interface Enrolled {
  /** The console keeps this and sends it as `X-Station-Token`; it is shown only in this answer. */
  stationToken: string;
  station: { id: string; name: string };
  site: { id: string; name: string; timezone: string };
}

/**
 * The installation a station enrolled with `key` is: the one of the site's latest station enrolled
 * with the same key, if any (a console enrolled again), else a new one. Only the key's SHA-256 is
 * stored; the key is 256 random bits, so its hash needs no secret (and survives a rotated one).
 */
async function installationOf(tx: TransactionClient, siteId: string, key: string | undefined): Promise<{ installationId?: string; installationKeyHash: string | null }> {
  if (key === undefined) return { installationKeyHash: null };
  const installationKeyHash = createHash("sha256").update(key).digest("hex");
  const earlier = await tx.station.findFirst({
    where: { siteId, installationKeyHash },
    orderBy: { createdAt: "desc" },
    select: { installationId: true },
  });
  return { installationId: earlier?.installationId, installationKeyHash };
}

/** A console exchanges a one-time code for its station token. */
export async function enroll(ctx: Context, input: { code: string; installationKey?: string }): Promise<Enrolled> {
  const address = limiterKey(ctx.ip);
  await spend(ctx, "enrollPerIp", address, "Too many enrollment attempts from this address.");
  const enrolled = await claimEnrollment(ctx, input);
  // The limit is there against guessing codes: a good code gives its point back, so a shop that
  // enrolls a dozen consoles from behind one address in an afternoon is never stopped by it.
  await refund(ctx, "enrollPerIp", address);
  return enrolled;
}

async function claimEnrollment(ctx: Context, input: { code: string; installationKey?: string }): Promise<Enrolled> {

  const codeHash = hashToken(ctx.sessions.secretKey, input.code);
  // Before the code is used its site is unknown, so this one lookup is not site-scoped.
  const enrollment = await ctx.prisma.stationEnrollment.findUnique({ where: { codeHash } });
  const now = new Date();
  if (!enrollment) {
    ctx.logger.warn("station enrollment with an unknown code", { ip: ctx.ip });
    throw new DomainError("UNAUTHENTICATED", CODE_REFUSED);
  }
  if (enrollment.usedAt || enrollment.expiresAt <= now) {
    await inSite(ctx.prisma, enrollment.siteId, (tx) =>
      writeAudit(tx, ctx, {
        siteId: enrollment.siteId,
        action: "station.enroll_refused",
        target: `enrollment:${enrollment.id}`,
        details: { reason: enrollment.usedAt ? "already_used" : "expired" },
      }),
    );
    throw new DomainError("UNAUTHENTICATED", CODE_REFUSED);
  }

  return inSite(ctx.prisma, enrollment.siteId, async (tx) => {
    // The claim is one conditional update: of two consoles racing with one code, one wins.
    const claimed = await tx.stationEnrollment.updateMany({
      where: { id: enrollment.id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (claimed.count !== 1) throw new DomainError("UNAUTHENTICATED", CODE_REFUSED);
    const token = newToken();
    const installation = await installationOf(tx, enrollment.siteId, input.installationKey);
    const station = await tx.station.create({
      data: { siteId: enrollment.siteId, name: enrollment.name, tokenHash: hashToken(ctx.sessions.secretKey, token), lastSeenAt: now, ...installation },
    });
    await tx.stationEnrollment.update({ where: { id: enrollment.id }, data: { stationId: station.id } });
    await writeAudit(tx, ctx, {
      siteId: enrollment.siteId,
      actorStationId: station.id,
      action: "station.enrolled",
      target: `station:${station.id}`,
      details: {
        enrollmentId: enrollment.id,
        name: station.name,
        enrollmentCreatedBy: enrollment.createdById,
        // Enrolled again: the changes its earlier station sent are recognised under this one.
        sameInstallationAsEarlierStation: installation.installationId !== undefined,
      },
    });
    const site = await tx.site.findUniqueOrThrow({ where: { id: enrollment.siteId }, select: { id: true, name: true, timezone: true } });
    return { stationToken: token, station: { id: station.id, name: station.name }, site };
  });
}

const STATION_FIELDS = { id: true, name: true, createdAt: true, lastSeenAt: true, revokedAt: true } as const;

function stationView(row: { id: string; name: string; createdAt: Date; lastSeenAt: Date | null; revokedAt: Date | null }): StationView {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Revokes a station: its token stops working and every session opened at it ends. */
export async function revoke(ctx: AuthedContext, input: { stationId: string }): Promise<StationRevoked> {
  const { principal } = ctx;
  return inSite(ctx.prisma, principal.siteId, async (tx) => {
    const station = await tx.station.findFirst({ where: { id: input.stationId, siteId: principal.siteId } });
    if (!station) throw new DomainError("NOT_FOUND", "No such station at this site.");
    const now = new Date();
    const sessionsRevoked = await revokeSessionsAtStation(tx, station.id, now);
    if (station.revokedAt) {
      // Revoking twice is not an error and not a second audit row.
      return { station: stationView(station), sessionsRevoked };
    }
    const updated = await tx.station.update({ where: { id: station.id }, data: { revokedAt: now }, select: STATION_FIELDS });
    await writeCallerAudit(tx, ctx, {
      action: "station.revoke",
      target: `station:${station.id}`,
      details: { name: station.name, sessionsRevoked },
    });
    return { station: stationView(updated), sessionsRevoked };
  });
}

// A shop has a handful of consoles; the cap only keeps a runaway script from making this page huge.
const LIST_CAP = 500;

/** The site's stations (revoked ones too, for the record) and the codes not used yet. */
export async function list(ctx: AuthedContext): Promise<StationList> {
  const { principal } = ctx;
  return inSite(ctx.prisma, principal.siteId, async (tx) => {
    const stations = await tx.station.findMany({
      where: { siteId: principal.siteId },
      orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { name: "asc" }, { id: "asc" }],
      select: STATION_FIELDS,
      take: LIST_CAP,
    });
    const pendingEnrollments = await tx.stationEnrollment.findMany({
      where: { siteId: principal.siteId, usedAt: null, expiresAt: { gt: new Date() } },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      select: { id: true, name: true, createdAt: true, expiresAt: true, createdBy: { select: { id: true, name: true } } },
      take: LIST_CAP,
    });
    return {
      stations: stations.map(stationView),
      pendingEnrollments: pendingEnrollments.map(
        (e): PendingEnrollment => ({ ...e, createdAt: e.createdAt.toISOString(), expiresAt: e.expiresAt.toISOString() }),
      ),
    };
  });
}
