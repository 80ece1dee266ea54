// The reads and writes that go around Prisma: readInSite's and writeInSite's one-round-trip
// transactions keep the same wall as inSite, a failure inside one changes nothing and leaves the
// connection usable, and the client
// names its statements (planned once per connection) except those planned for each call.
import { generatePickupCode } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type SentStatement } from "../src/client.ts";
import { Prisma } from "../src/generated/prisma/client.ts";
import { plannedPerCall, queryDirect, readInSite, writeInSite } from "../src/site-scope.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

let db: TestDatabase;
let siteA: string;
let siteB: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const [a, b] = await Promise.all(["Workshop A", "Workshop B"].map((name) => db.prisma.site.create({ data: { name, timezone: "Europe/Berlin" } })));
  siteA = a!.id;
  siteB = b!.id;
  for (const siteId of [siteA, siteB]) {
    await db.prisma.job.create({ data: { siteId, title: `job of ${siteId}`, queuePosition: 1, pickupCode: generatePickupCode() } });
  }
});

afterAll(async () => db.drop());

const everyJob = Prisma.sql`SELECT site_id::text AS site_id FROM jobs`;

describe("readInSite", () => {
  it("shows only the site's rows, even to a statement without a site filter", async () => {
    const [jobs, sites] = await readInSite<{ site_id?: string; id?: string }>(db.prisma, siteA, [everyJob, Prisma.sql`SELECT id::text AS id FROM sites`]);
    expect(jobs?.map((j) => j.site_id)).toEqual([siteA]);
    expect(sites?.map((s) => s.id)).toEqual([siteA]);
    const [jobsOfB] = await readInSite<{ site_id: string }>(db.prisma, siteB, [everyJob]);
    expect(jobsOfB?.map((j) => j.site_id)).toEqual([siteB]);
  });

  it("writes nothing: the transaction is read-only", async () => {
    await expect(readInSite(db.prisma, siteA, [Prisma.sql`UPDATE jobs SET notes = 'written by a read' WHERE site_id = ${siteA}::uuid`])).rejects.toMatchObject({
      code: "25006",
    });
    expect(await db.prisma.job.count({ where: { notes: "written by a read" } })).toBe(0);
  });

  it("answers the first failure, rolls back and leaves its connection to the next read", async () => {
    const prisma = createPrismaClient(db.url, { max: 1 });
    try {
      await expect(readInSite(prisma, siteA, [Prisma.sql`SELECT 1/0 AS x`, everyJob])).rejects.toMatchObject({ code: "22012" });
      // The one connection is back in the pool, out of the failed transaction and with no scope left.
      const [jobs] = await readInSite<{ site_id: string }>(prisma, siteA, [everyJob]);
      expect(jobs?.map((j) => j.site_id)).toEqual([siteA]);
      const outside = await queryDirect<{ role: string; site: string | null; in_transaction: boolean }>(
        prisma,
        Prisma.sql`SELECT current_user AS role, current_setting('app.site_id', true) AS site, now() <> statement_timestamp() AS in_transaction`,
      );
      expect(outside[0]?.role).not.toBe("orderdeck_app");
      expect(outside[0]?.site ?? "").toBe("");
    } finally {
      await prisma.$disconnect();
    }
  });

  it("answers a connection lost mid-read as an error, and the next read gets a new connection", async () => {
    const prisma = createPrismaClient(db.url, { max: 1 });
    try {
      const reading = readInSite(prisma, siteA, [Prisma.sql`SELECT pg_sleep(5)::text AS slept, ${"lost-mid-read"}::text AS marker`]);
      const settled = reading.then(
        () => "answered",
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      // The backend is ended from outside, as a restarting database or pooler ends it.
      for (let i = 0; i < 50; i++) {
        const ended = await db.pool.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()`,
        );
        if (ended.rows.some((r) => r.ended)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await settled).toMatch(/terminat/);
      const [jobs] = await readInSite<{ site_id: string }>(prisma, siteA, [everyJob]);
      expect(jobs?.map((j) => j.site_id)).toEqual([siteA]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("answers each statement's rows in order, from one transaction", async () => {
    const sent: SentStatement[] = [];
    const prisma = createPrismaClient(db.url, { max: 1, onQuery: (statement) => sent.push(statement) });
    try {
      const answers = await readInSite<{ n: number; xid: string }>(
        prisma,
        siteA,
        [1, 2, 3].map((n) => Prisma.sql`SELECT ${n}::int AS n, txid_current_if_assigned()::text AS xid, statement_timestamp() AS at`),
      );
      expect(answers.map((rows) => rows[0]?.n)).toEqual([1, 2, 3]);
      expect(sent.map((s) => s.text.split(/\s+/)[0])).toEqual(["BEGIN", "SELECT", "SELECT", "SELECT", "SELECT", "COMMIT"]);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("writeInSite", () => {
  it("writes within the site's wall: another site's rows are out of reach, its own are written", async () => {
    const [, touched] = await writeInSite<{ site_id: string }>(db.prisma, siteA, [
      Prisma.sql`UPDATE jobs SET notes = 'written in site A'`,
      Prisma.sql`SELECT site_id::text AS site_id FROM jobs WHERE notes = 'written in site A'`,
    ]);
    // The later statement sees what the one before it wrote, in the same transaction.
    expect(touched?.map((j) => j.site_id)).toEqual([siteA]);
    expect(await db.prisma.job.count({ where: { notes: "written in site A" } })).toBe(1);
    expect(await db.prisma.job.count({ where: { siteId: siteB, notes: "written in site A" } })).toBe(0);
  });

  it("is all or nothing: a failing statement rolls back the ones before it, and the connection serves the next call", async () => {
    const prisma = createPrismaClient(db.url, { max: 1 });
    try {
      await expect(
        writeInSite(prisma, siteA, [Prisma.sql`UPDATE jobs SET notes = 'rolled back' WHERE site_id = ${siteA}::uuid`, Prisma.sql`SELECT 1/0 AS x`]),
      ).rejects.toMatchObject({ code: "22012" });
      expect(await db.prisma.job.count({ where: { notes: "rolled back" } })).toBe(0);
      await writeInSite(prisma, siteA, [Prisma.sql`UPDATE jobs SET notes = 'committed' WHERE site_id = ${siteA}::uuid`]);
      expect(await db.prisma.job.count({ where: { siteId: siteA, notes: "committed" } })).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("prepared statements", () => {
  async function preparedOnItsConnection(preparedStatements: boolean, statement: Prisma.Sql): Promise<string[]> {
    const prisma = createPrismaClient(db.url, { max: 1, preparedStatements });
    try {
      for (let i = 0; i < 3; i++) await readInSite(prisma, siteA, [statement]);
      await prisma.job.findMany({ where: { siteId: siteA } });
      const rows = await queryDirect<{ statement: string }>(prisma, Prisma.sql`SELECT statement FROM pg_prepared_statements WHERE from_sql = false`);
      return rows.map((r) => r.statement);
    } finally {
      await prisma.$disconnect();
    }
  }

  it("are kept per connection for the reads, the session read and Prisma's own statements", async () => {
    const statements = await preparedOnItsConnection(true, everyJob);
    expect(statements).toContainEqual(expect.stringContaining("FROM jobs"));
    expect(statements).toContainEqual(expect.stringContaining("set_config('app.site_id'"));
    expect(statements).toContainEqual(expect.stringContaining('"public"."jobs"'));
    expect(statements).toContainEqual(expect.stringContaining("pg_prepared_statements"));
  });

  it("are not kept for a statement planned for each call or one given a list, nor when turned off", async () => {
    const perCall = await preparedOnItsConnection(true, plannedPerCall(everyJob));
    expect(perCall).not.toContainEqual(expect.stringContaining("FROM jobs"));
    expect(perCall).toContainEqual(expect.stringContaining("set_config('app.site_id'"));
    const withList = await preparedOnItsConnection(true, Prisma.sql`SELECT id FROM jobs WHERE site_id = ANY(${[siteA]}::uuid[])`);
    expect(withList).not.toContainEqual(expect.stringContaining("FROM jobs"));
    // Prisma's own statements with a list go unnamed as well.
    const prisma = createPrismaClient(db.url, { max: 1 });
    try {
      await prisma.job.findMany({ where: { siteId: { in: [siteA, siteB] } } });
      await prisma.$queryRaw`SELECT count(*) FROM sites WHERE id = ANY(${[siteA, siteB]}::uuid[])`;
      const kept = await queryDirect<{ statement: string }>(prisma, Prisma.sql`SELECT statement FROM pg_prepared_statements WHERE from_sql = false`);
      expect(kept.map((r) => r.statement)).not.toContainEqual(expect.stringContaining("FROM sites"));
    } finally {
      await prisma.$disconnect();
    }
    expect(await preparedOnItsConnection(false, everyJob)).toEqual([]);
  });
});
