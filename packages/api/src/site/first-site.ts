// The first site of a new installation and its first admin: what the setup command
// (apps/server/src/setup/) creates once, since production never seeds and nothing else makes a
// site or a user out of nothing. Everything is one transaction under the lock the demo seed takes
// too, so two setups (or a setup and a starting development server) cannot both make a first site.
import { DomainError, type EnrollmentCreated, type FirstSiteInput } from "@orderdeck/contracts";
import { FIRST_SITE_LOCK, type PrismaClient } from "@orderdeck/db";
import type { z } from "zod";
import { writeAudit, type RequestOrigin } from "../audit/log.ts";
import { hashPassword } from "../auth/passwords.ts";
import { issueEnrollment } from "../stations/service.ts";

export interface FirstSite {
  site: { id: string; name: string; timezone: string };
  admin: { id: string; email: string; name: string };
  /** The first station's one-time code, when one was asked for. */
  enrollment: EnrollmentCreated | null;
}

/** Refuses (DUPLICATE) when the database has a site already: setup runs once. */
export async function refuseWhenSetUp(db: Pick<PrismaClient, "site">): Promise<void> {
  const existing = await db.site.findFirst({ orderBy: { createdAt: "asc" }, select: { name: true } });
  if (existing) {
    throw new DomainError(
      "DUPLICATE",
      `This database already has a site ("${existing.name}"): setup runs once, on an empty database. Admins of that site add users and stations from the console's Admin screen.`,
    );
  }
}

/**
 * Creates the site, its first ADMIN (with the password given) and, when `stationName` is given,
 * an enrollment code for its first console, with an audit row; refuses (DUPLICATE, nothing
 * written) when the database has any site already. `secretKey` (the server's) keys the code's
 * stored hash, so it is needed only for the code.
 */
export async function createFirstSite(
  prisma: PrismaClient,
  input: z.output<typeof FirstSiteInput>,
  options: { origin: RequestOrigin; secretKey?: string | undefined },
): Promise<FirstSite> {
  if (input.stationName !== undefined && options.secretKey === undefined) {
    throw new DomainError("VALIDATION_FAILED", "An enrollment code needs the server's secret (ORDERDECK_SECRET_KEY), the same one the API runs with.");
  }
  // Before the transaction: hashing takes a noticeable moment, and a known answer needs none.
  await refuseWhenSetUp(prisma);
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_SITE_LOCK}::bigint)`;
    await refuseWhenSetUp(tx);
    const site = await tx.site.create({ data: { name: input.siteName, timezone: input.timezone }, select: { id: true, name: true, timezone: true } });
    const admin = await tx.user.create({
      data: { siteId: site.id, email: input.adminEmail, name: input.adminName, role: "ADMIN", passwordHash },
      select: { id: true, email: true, name: true },
    });
    const enrollment =
      input.stationName !== undefined && options.secretKey !== undefined
        ? await issueEnrollment(tx, options.secretKey, { siteId: site.id, name: input.stationName, createdById: admin.id })
        : null;
    await writeAudit(tx, options.origin, {
      siteId: site.id,
      actorUserId: admin.id,
      action: "site.setup",
      target: `site:${site.id}`,
      details: {
        site: site.name,
        timezone: site.timezone,
        admin: admin.email,
        ...(enrollment ? { enrollmentId: enrollment.enrollmentId, station: enrollment.name } : {}),
      },
    });
    return { site, admin, enrollment };
  });
}
