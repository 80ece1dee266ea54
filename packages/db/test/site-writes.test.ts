// writeInSite: a read-write transaction in batches on a pipelined connection keeps inSite's wall
// (the site's rows only, under the unprivileged role), commits whole or not at all, and leaves its
// connection clean for the next caller whatever happened inside it.
import { generatePickupCode } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type SentStatement } from "../src/client.ts";
import { Prisma } from "../src/generated/prisma/client.ts";
import { queryDirect, writeInSite } from "../src/site-scope.ts";
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

const noteEveryJob = (note: string) => Prisma.sql`UPDATE jobs SET notes = ${note} RETURNING site_id::text AS site_id`;
const jobsNoted = (note: string) => db.prisma.job.findMany({ where: { notes: note }, select: { siteId: true } });

/** The connection's state between callers: its role and site scope, and whether any connection was left in a transaction. */
async function connectionState(prisma: ReturnType<typeof createPrismaClient>) {
  const [state] = await queryDirect<{ role: string; site: string | null }>(prisma, Prisma.sql`SELECT current_user AS role, current_setting('app.site_id', true) AS site`);
  const open = await db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
  );
  return { ...state, in_transaction: (open.rows[0]?.n ?? 0) > 0 };
}

describe("writeInSite", () => {
  it("writes only the site's rows, even with a statement without a site filter, and commits them", async () => {
    const [updated] = await writeInSite(db.prisma, siteA, (tx) => tx.run<{ site_id: string }>([noteEveryJob("noted for A")]));
    expect(updated?.map((r) => r.site_id)).toEqual([siteA]);
    expect((await jobsNoted("noted for A")).map((j) => j.siteId)).toEqual([siteA]);
  });

  it("runs a batch in order, each statement seeing the writes before it, and answers each one's rows", async () => {
    const answers = await writeInSite(db.prisma, siteB, (tx) =>
      tx.finish<{ notes: string | null }>([noteEveryJob("first"), Prisma.sql`SELECT notes FROM jobs`, noteEveryJob("second"), Prisma.sql`SELECT notes FROM jobs`]),
    );
    expect(answers.map((rows) => rows.map((r) => r.notes ?? "row"))).toEqual([["row"], ["first"], ["row"], ["second"]]);
  });

  it("sends BEGIN and the scope with the first batch and COMMIT with finish", async () => {
    const sent: SentStatement[] = [];
    const prisma = createPrismaClient(db.url, { max: 1, onQuery: (statement) => sent.push(statement) });
    try {
      await writeInSite(prisma, siteA, async (tx) => {
        await tx.run([Prisma.sql`SELECT 1 AS one`]);
        await tx.finish([Prisma.sql`SELECT 2 AS two`]);
      });
      expect(sent.map((s) => s.text.replace(/\s+/g, " ").slice(0, 20))).toEqual([
        "BEGIN; SET LOCAL sta",
        "SELECT set_config('a",
        "SELECT 1 AS one",
        "SELECT 2 AS two",
        "COMMIT",
      ]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("rolls back whole when a statement fails, answers that failure, and leaves the connection clean", async () => {
    const prisma = createPrismaClient(db.url, { max: 1 });
    try {
      await expect(
        writeInSite(prisma, siteA, async (tx) => {
          await tx.run([noteEveryJob("lost with the failure")]);
          await tx.finish([Prisma.sql`SELECT 1/0 AS x`, noteEveryJob("never")]);
        }),
      ).rejects.toMatchObject({ code: "22012" });
      expect(await jobsNoted("lost with the failure")).toEqual([]);
      expect(await jobsNoted("never")).toEqual([]);
      const state = await connectionState(prisma);
      expect(state?.role).not.toBe("orderdeck_app");
      expect(state?.site ?? "").toBe("");
      expect(state?.in_transaction).toBe(false);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("rolls back when the work throws between batches, and the error is the work's", async () => {
    const prisma = createPrismaClient(db.url, { max: 1 });
    try {
      await expect(
        writeInSite(prisma, siteA, async (tx) => {
          await tx.run([noteEveryJob("refused by a rule")]);
          throw new Error("a rule refused the change");
        }),
      ).rejects.toThrow("a rule refused the change");
      expect(await jobsNoted("refused by a rule")).toEqual([]);
      expect((await connectionState(prisma))?.in_transaction).toBe(false);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("commits when the work returns without finish, and refuses a batch after the commit", async () => {
    let again: Promise<unknown> = Promise.resolve();
    await writeInSite(db.prisma, siteB, async (tx) => {
      await tx.run([noteEveryJob("committed after the work")]);
    });
    expect((await jobsNoted("committed after the work")).map((j) => j.siteId)).toEqual([siteB]);
    await writeInSite(db.prisma, siteB, async (tx) => {
      await tx.finish([Prisma.sql`SELECT 1 AS one`]);
      again = tx.run([Prisma.sql`SELECT 2 AS two`]);
    });
    await expect(again).rejects.toThrow(/committed/);
  });
});
