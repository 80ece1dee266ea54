import { createHash } from "node:crypto";
import { canTransition, isOpen, isValidPickupCode, type Fulfilment, type JobStatus } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRandom,
  DEMO_CUSTOMER_COUNT,
  DEMO_JOB_STATUS_COUNTS,
  DEMO_SITE_NAME,
  DEMO_USERS,
  seedDemoSite,
  type SeedSummary,
} from "../src/seed/index.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

// argon2 belongs to the API package; the seed stores whatever hash it is given.
const hashPassword = async (plain: string) => `test-hash:${plain}`;
const NOW = new Date("2026-11-23T10:00:00Z");

let db: TestDatabase;
let summary: SeedSummary;

beforeAll(async () => {
  db = await createTestDatabase();
  summary = await seedDemoSite(db.prisma, { hashPassword, password: "s3cret-demo", now: NOW });
});

afterAll(async () => {
  await db?.drop();
});

describe("seedDemoSite on an empty database", () => {
  it("creates the demo site, its people, stations, customers and 300 jobs across all statuses", async () => {
    const totalJobs = Object.values(DEMO_JOB_STATUS_COUNTS).reduce((a, b) => a + b, 0);
    expect(summary).toMatchObject({
      created: true,
      signInEmails: ["admin@orderdeck.local", "lead@orderdeck.local", "staff@orderdeck.local"],
      users: 3,
      customers: DEMO_CUSTOMER_COUNT,
      jobs: totalJobs,
      jobsByStatus: DEMO_JOB_STATUS_COUNTS,
    });
    expect(totalJobs).toBe(300);

    const sites = await db.prisma.site.findMany();
    expect(sites).toHaveLength(1);
    expect(sites[0]).toMatchObject({ id: summary.siteId, name: DEMO_SITE_NAME, timezone: "Europe/Berlin" });

    const users = await db.prisma.user.findMany({ orderBy: { email: "asc" } });
    expect(users.map((u) => [u.email, u.role, u.passwordHash])).toEqual(
      DEMO_USERS.map((u) => [u.email, u.role, "test-hash:s3cret-demo"]),
    );

    expect(await db.prisma.customer.count()).toBe(DEMO_CUSTOMER_COUNT);
    expect(await db.prisma.job.count()).toBe(totalJobs);
    expect(await db.prisma.jobEvent.count()).toBe(summary.events);
    expect(await db.prisma.payment.count()).toBe(summary.payments);
    expect(summary.payments).toBeGreaterThan(0);
    const grouped = await db.prisma.job.groupBy({ by: ["status"], _count: { _all: true } });
    expect(Object.fromEntries(grouped.map((g) => [g.status, g._count._all]))).toEqual(DEMO_JOB_STATUS_COUNTS);
  });

  it("stores station tokens only as hashes and returns the plain tokens once", async () => {
    expect(summary.stations.map((s) => s.name)).toEqual(["Front counter", "Print room"]);
    const stations = await db.prisma.station.findMany({ orderBy: { name: "asc" } });
    for (const s of summary.stations) {
      const stored = stations.find((x) => x.name === s.name);
      expect(stored?.tokenHash).toBe(createHash("sha256").update(s.token).digest("hex"));
      expect(stored?.tokenHash).not.toContain(s.token);
    }
  });

  it("gives open jobs distinct positions 1..n and closed jobs none", async () => {
    const jobs = await db.prisma.job.findMany({ select: { status: true, queuePosition: true } });
    const open = jobs.filter((j) => isOpen(j.status));
    expect(open.map((j) => j.queuePosition).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: open.length }, (_, i) => i + 1),
    );
    expect(jobs.filter((j) => !isOpen(j.status)).every((j) => j.queuePosition === null)).toBe(true);
  });

  it("numbers jobs 1..300 in creation order through the counter, with valid, unique pickup codes", async () => {
    const jobs = await db.prisma.job.findMany({ orderBy: { number: "asc" }, select: { number: true, createdAt: true, pickupCode: true } });
    expect(jobs.map((j) => j.number)).toEqual(Array.from({ length: jobs.length }, (_, i) => i + 1));
    for (let i = 1; i < jobs.length; i++) {
      expect(jobs[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(jobs[i - 1]!.createdAt.getTime());
    }
    const counter = await db.prisma.counter.findUnique({
      where: { siteId_kind_year: { siteId: summary.siteId as string, kind: "JOB", year: 0 } },
    });
    expect(counter?.value).toBe(jobs.length);
    expect(jobs.every((j) => isValidPickupCode(j.pickupCode))).toBe(true);
    expect(new Set(jobs.map((j) => j.pickupCode)).size).toBe(jobs.length);
  });

  it("records a history for every job that follows the status machine and ends in its status", async () => {
    const jobs = await db.prisma.job.findMany({
      select: { id: true, status: true, fulfilment: true, createdAt: true, pickedUpAt: true, events: { orderBy: { at: "asc" } } },
    });
    for (const job of jobs) {
      const [created, ...rest] = job.events;
      expect(created?.type).toBe("created");
      expect(created?.at.getTime()).toBe(job.createdAt.getTime());
      let status: JobStatus = "QUEUED";
      for (const event of rest.filter((e) => e.type === "status_changed")) {
        const before = (event.before as { status: JobStatus }).status;
        const after = (event.after as { status: JobStatus }).status;
        expect(before).toBe(status);
        expect(canTransition(before, after, job.fulfilment as Fulfilment), `${before} -> ${after}`).toBe(true);
        status = after;
      }
      expect(status).toBe(job.status);
      expect(job.pickedUpAt !== null).toBe(job.status === "PICKED_UP");
      for (const event of job.events) expect(event.at.getTime()).toBeLessThanOrEqual(NOW.getTime());
    }
  });
});

describe("seedDemoSite on a database that has a site", () => {
  it("does nothing the second time", async () => {
    const before = await Promise.all([db.prisma.site.count(), db.prisma.job.count(), db.prisma.jobEvent.count(), db.prisma.user.count()]);
    const second = await seedDemoSite(db.prisma, { hashPassword });
    expect(second).toMatchObject({ created: false, siteId: summary.siteId, jobs: 0, stations: [] });
    // The demo accounts still exist, so the sign-in hint stays right.
    expect(second.signInEmails).toEqual(summary.signInEmails);
    const after = await Promise.all([db.prisma.site.count(), db.prisma.job.count(), db.prisma.jobEvent.count(), db.prisma.user.count()]);
    expect(after).toEqual(before);
  });
});

describe("determinism and concurrency", () => {
  let other: TestDatabase;
  let third: TestDatabase;

  beforeAll(async () => {
    [other, third] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });

  afterAll(async () => {
    await Promise.all([other?.drop(), third?.drop()]);
  });

  it("the same generator gives the same demo data", async () => {
    await seedDemoSite(other.prisma, { hashPassword, random: createRandom(7), now: NOW });
    await seedDemoSite(third.prisma, { hashPassword, random: createRandom(7), now: NOW });
    const read = (t: TestDatabase) =>
      t.prisma.job.findMany({
        orderBy: { number: "asc" },
        select: { id: true, number: true, title: true, status: true, pickupCode: true, priceCents: true, createdAt: true },
      });
    const [a, b] = await Promise.all([read(other), read(third)]);
    expect(a).toEqual(b);
    // A different generator gives different data.
    expect(a.map((j) => j.pickupCode)).not.toEqual((await read(db)).map((j) => j.pickupCode));
  });

  it("two seeds racing on one empty database create one site", async () => {
    const racing = await createTestDatabase();
    try {
      const results = await Promise.all([
        seedDemoSite(racing.prisma, { hashPassword, now: NOW }),
        seedDemoSite(racing.prisma, { hashPassword, now: NOW }),
      ]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(await racing.prisma.site.count()).toBe(1);
      expect(await racing.prisma.job.count()).toBe(300);
    } finally {
      await racing.drop();
    }
  });
});
