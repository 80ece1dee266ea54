import { createHash, randomBytes } from "node:crypto";
import { JobStatus as JobStatusSchema, type JobStatus } from "@orderdeck/contracts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { DEMO_PASSWORD, DEMO_SEED, DEMO_SITE_NAME, DEMO_STATIONS, DEMO_TIMEZONE, DEMO_USERS } from "./demo.ts";
import { planDemoSite } from "./plan.ts";
import { createRandom, Dice, type Random } from "./random.ts";

export { createRandom, Dice, type Random } from "./random.ts";
// The word lists, for other generators of realistic data (the benchmark seed).
export { COMPANIES, FIRST_NAMES, LAST_NAMES, MACHINES, MATERIALS, NOTES, TITLES, type MaterialSpec, type Process } from "./catalog.ts";
export * from "./demo.ts";

export interface SeedOptions {
  /** The product's password hash (argon2id); the seed stores whatever it returns. */
  hashPassword: (plain: string) => Promise<string>;
  /** Password of the three demo users (default "orderdeck-demo"). */
  password?: string;
  /** Generator for the demo data; the same generator state gives the same data (default: seeded with DEMO_SEED). */
  random?: Random;
  /**
   * Stored form of the station tokens. Pass the server's own token hash (it is keyed with the
   * server secret) so the returned tokens authenticate; the default, unkeyed SHA-256, only suits
   * tests.
   */
  hashToken?: (token: string) => string;
  /** "Now" for the demo timeline (default: the current time). */
  now?: Date;
}

export interface SeedSummary {
  /** False when the database already had a site and nothing was written. */
  created: boolean;
  siteId: string | null;
  /** Demo accounts present in the database (all three after a seed). */
  signInEmails: string[];
  users: number;
  /** Plain station tokens; shown once, only their hashes are stored. Empty when nothing was created. */
  stations: { name: string; token: string }[];
  customers: number;
  jobs: number;
  jobsByStatus: Record<JobStatus, number>;
  events: number;
  payments: number;
}

/**
 * Serialises whatever creates a database's first site: concurrent seeds (two server processes
 * starting against one empty database) and the setup command (`npm run setup -w @orderdeck/server`).
 */
export const FIRST_SITE_LOCK = 4_100_002;

function emptyStatusCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JobStatusSchema.options.map((s) => [s, 0])) as Record<JobStatus, number>;
}

/**
 * Creates the demo site when the database has no site at all; otherwise does nothing (a real
 * shop's database is never touched). Everything is written in one transaction, so a crash
 * mid-way leaves no half-seeded site.
 */
export async function seedDemoSite(prisma: PrismaClient, options: SeedOptions): Promise<SeedSummary> {
  const existing = async (db: Pick<PrismaClient, "user" | "site">): Promise<SeedSummary> => {
    const site = await db.site.findFirst({ orderBy: { createdAt: "asc" }, select: { id: true } });
    const users = await db.user.findMany({
      where: { email: { in: DEMO_USERS.map((u) => u.email) } },
      select: { email: true },
    });
    return {
      created: false,
      siteId: site?.id ?? null,
      signInEmails: DEMO_USERS.map((u) => u.email).filter((e) => users.some((u) => u.email === e)),
      users: 0,
      stations: [],
      customers: 0,
      jobs: 0,
      jobsByStatus: emptyStatusCounts(),
      events: 0,
      payments: 0,
    };
  };

  // Cheap check first, so an existing database does not pay for three password hashes.
  if ((await prisma.site.count()) > 0) return existing(prisma);

  const password = options.password ?? DEMO_PASSWORD;
  const hashes = await Promise.all(DEMO_USERS.map(() => options.hashPassword(password)));
  const hashToken = options.hashToken ?? ((token: string) => createHash("sha256").update(token).digest("hex"));
  // Station tokens are credentials: they come from the system's CSPRNG, never from the seeded generator.
  const stationTokens = DEMO_STATIONS.map((name) => ({ name, token: randomBytes(32).toString("base64url") }));
  const plan = planDemoSite(new Dice(options.random ?? createRandom(DEMO_SEED)), options.now ?? new Date());

  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_SITE_LOCK}::bigint)`;
      if ((await tx.site.count()) > 0) return existing(tx);

      await tx.site.create({
        data: { id: plan.siteId, name: DEMO_SITE_NAME, timezone: DEMO_TIMEZONE, defaultCurrency: "EUR", createdAt: plan.siteCreatedAt },
      });
      await tx.user.createMany({
        data: DEMO_USERS.map((u, i) => ({
          id: plan.userIds[i] as string,
          siteId: plan.siteId,
          email: u.email,
          name: u.name,
          role: u.role,
          passwordHash: hashes[i] as string,
          createdAt: plan.siteCreatedAt,
        })),
      });
      await tx.station.createMany({
        data: stationTokens.map((s, i) => ({
          id: plan.stationIds[i] as string,
          siteId: plan.siteId,
          name: s.name,
          tokenHash: hashToken(s.token),
          createdAt: plan.siteCreatedAt,
        })),
      });
      await tx.customer.createMany({ data: plan.customers });
      // Jobs are in creation order: the numbering trigger gives J-000001 to the oldest.
      await tx.job.createMany({ data: plan.jobs });
      await tx.jobEvent.createMany({ data: plan.events });
      await tx.payment.createMany({ data: plan.payments });

      const jobsByStatus = emptyStatusCounts();
      for (const job of plan.jobs) jobsByStatus[job.status as JobStatus] += 1;
      return {
        created: true,
        siteId: plan.siteId,
        signInEmails: DEMO_USERS.map((u) => u.email),
        users: DEMO_USERS.length,
        stations: stationTokens,
        customers: plan.customers.length,
        jobs: plan.jobs.length,
        jobsByStatus,
        events: plan.events.length,
        payments: plan.payments.length,
      };
    },
    // A few thousand rows; the defaults (5 s) are tight on a slow CI machine.
    { maxWait: 30_000, timeout: 120_000 },
  );
}
