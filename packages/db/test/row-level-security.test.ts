import { generatePickupCode } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inSite } from "../src/site-scope.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

let db: TestDatabase;
let siteA: string;
let siteB: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const [a, b] = await Promise.all(
    ["Workshop A", "Workshop B"].map((name) => db.prisma.site.create({ data: { name, timezone: "Europe/Berlin" } })),
  );
  siteA = a!.id;
  siteB = b!.id;
  for (const siteId of [siteA, siteB]) {
    await db.prisma.job.create({
      data: { siteId, title: `job of ${siteId}`, queuePosition: 1, pickupCode: generatePickupCode() },
    });
  }
});

afterAll(async () => db.drop());

describe("row-level security", () => {
  it("shows a site's transaction only that site's rows, even without a site filter", async () => {
    const jobs = await inSite(db.prisma, siteA, (tx) => tx.job.findMany());
    expect(jobs.map((j) => j.siteId)).toEqual([siteA]);
    const sites = await inSite(db.prisma, siteA, (tx) => tx.site.findMany());
    expect(sites.map((s) => s.id)).toEqual([siteA]);
  });

  it("refuses to write a row into another site", async () => {
    await expect(
      inSite(db.prisma, siteA, (tx) =>
        tx.job.create({ data: { siteId: siteB, title: "smuggled", queuePosition: 2, pickupCode: generatePickupCode() } }),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await db.prisma.job.count({ where: { title: "smuggled" } })).toBe(0);
  });

  it("cannot change another site's rows", async () => {
    const changed = await inSite(db.prisma, siteA, (tx) =>
      tx.job.updateMany({ where: { siteId: siteB }, data: { notes: "changed from A" } }),
    );
    expect(changed.count).toBe(0);
    expect(await db.prisma.job.count({ where: { notes: "changed from A" } })).toBe(0);
  });

  it("numbers jobs through the counters inside the site's scope", async () => {
    const job = await inSite(db.prisma, siteA, (tx) =>
      tx.job.create({ data: { siteId: siteA, title: "second", queuePosition: 2, pickupCode: generatePickupCode() } }),
    );
    expect(job.number).toBe(2);
  });

  it("sees nothing when the role is switched without a site", async () => {
    const rows = await db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('role', 'orderdeck_app', true)`;
      return tx.job.findMany();
    });
    expect(rows).toEqual([]);
  });
});
