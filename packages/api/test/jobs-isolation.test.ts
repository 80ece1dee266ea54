// A user of site A can neither read, list, change nor learn of site B's jobs, customers or views
// through any jobs, exceptions, forecast or views procedure: B's ids answer exactly like ids
// that do not exist, and lists never carry B's rows.
import { inSite, type TransactionClient } from "@orderdeck/db";
import { beforeAll, describe, expect, it } from "vitest";
import { insertJob } from "./jobs-fixtures.ts";
import { apiHarnessForFile, refusalOf } from "./harness.ts";

const MISSING = "00000000-0000-4000-8000-00000000abcd";
let bOpen: { id: string; version: number; displayNumber: string };
let bClosed: { id: string; version: number };
let bArchived: { id: string; version: number };
let bCustomerId: string;
let bViewId: string;
let aOpen: { id: string; version: number };

async function fingerprintOfB(): Promise<string> {
  const result = await harness.db.pool.query<{ digest: string }>(
    `SELECT md5(COALESCE((SELECT string_agg(j::text, ',' ORDER BY j.id) FROM jobs j WHERE site_id = $1), '') ||
                COALESCE((SELECT string_agg(v::text, ',' ORDER BY v.id) FROM saved_views v WHERE site_id = $1), '') ||
                (SELECT count(*)::text FROM job_events WHERE site_id = $1) ||
                (SELECT count(*)::text FROM invoices WHERE site_id = $1)) AS digest`,
    [b.siteId],
  );
  return result.rows[0]?.digest ?? "";
}

const harness = await apiHarnessForFile();
const a = await harness.createSite("Isolation A");
const b = await harness.createSite("Isolation B");

beforeAll(async () => {
  const created = await b.as.STAFF.jobs.create({
    title: "Secret prototype",
    customer: { name: "Secretive Customer" },
    dueAt: "2001-01-01T00:00:00.000Z",
    estimatedMinutes: 600,
    machine: "B printer",
    priceCents: 999,
  });
  bOpen = created;
  bCustomerId = created.customer?.id as string;
  bClosed = await insertJob(harness, b, { status: "PICKED_UP", title: "Secret delivered" });
  bArchived = await insertJob(harness, b, { status: "CANCELLED", title: "Secret archived", archivedAt: new Date() });
  await insertJob(harness, b, { status: "FAILED", title: "Secret failure" });
  await insertJob(harness, b, { status: "READY_FOR_PICKUP", title: "Secret ready" });
  bViewId = (await b.as.LEAD.views.create({ name: "B board", scope: "SITE" })).id;
  aOpen = await a.as.STAFF.jobs.create({ title: "Our job" });
});

/** Refused exactly as for an id that does not exist: same code, same message. */
async function looksMissing(call: (id: string) => Promise<unknown>, foreignId: string) {
  const missing = await refusalOf(call(MISSING));
  const foreign = await refusalOf(call(foreignId));
  expect(foreign.code).toBe("NOT_FOUND");
  expect(foreign.message).toBe(missing.message);
}

describe("site isolation of the queue board", () => {
  it("B's jobs look missing to every single-job procedure of A, and nothing of B changes", async () => {
    const before = await fingerprintOfB();
    const lead = a.as.LEAD;
    await looksMissing((id) => lead.jobs.get({ id }), bOpen.id);
    await looksMissing((id) => lead.jobs.update({ id, version: bOpen.version, title: "pwned" }), bOpen.id);
    await looksMissing((id) => lead.jobs.update({ id, version: 1, notes: "pwned" }), bClosed.id);
    await looksMissing((id) => lead.jobs.transition({ id, to: "CANCELLED" }), bOpen.id);
    await looksMissing((id) => lead.jobs.archive({ id }), bClosed.id);
    await looksMissing((id) => lead.jobs.restore({ id }), bArchived.id);
    await looksMissing((id) => lead.jobs.reorder({ id, before: aOpen.id }), bOpen.id);
    await looksMissing((id) => lead.jobs.reorder({ id: aOpen.id, after: id }), bOpen.id);
    await looksMissing((id) => lead.jobs.create({ title: "x", customerId: id }), bCustomerId);
    await looksMissing((id) => lead.jobs.create({ title: "x", assigneeId: id }), b.users.STAFF.id);
    await looksMissing((id) => lead.jobs.update({ id: aOpen.id, version: aOpen.version, customerId: id }), bCustomerId);
    await looksMissing((id) => lead.views.update({ id, name: "mine now" }), bViewId);
    await looksMissing((id) => lead.views.delete({ id }), bViewId);
    expect(await fingerprintOfB()).toBe(before);
  });

  it("bulk rows for B's ids answer NOT_FOUND, for every action", async () => {
    const before = await fingerprintOfB();
    const actions = [
      { type: "status", to: "CANCELLED" },
      { type: "assignee", assigneeId: a.users.STAFF.id },
      { type: "archive" },
      { type: "sendInvoice" },
    ] as const;
    for (const action of actions) {
      const result = await a.as.LEAD.jobs.bulk({ ids: [bOpen.id, bClosed.id, bArchived.id], action });
      expect(result.succeeded, action.type).toBe(0);
      for (const row of result.results) expect(row, action.type).toMatchObject({ ok: false, reason: "NOT_FOUND" });
    }
    expect(await fingerprintOfB()).toBe(before);
  });

  it("no list, search, filter, exception or forecast of A carries B's rows", async () => {
    const ids = new Set([bOpen.id, bClosed.id, bArchived.id]);
    const everything = [];
    for (const field of ["queue", "due", "created"] as const) {
      for (const direction of ["asc", "desc"] as const) {
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await a.as.STAFF.jobs.list({ filter: { archived: "include" }, sort: { field, direction }, cursor, limit: 2 });
          everything.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          expect(++pages, `pages by ${field} ${direction} keep coming`).toBeLessThan(1_000);
        } while (cursor);
      }
    }
    expect(everything.length).toBeGreaterThan(0);
    expect(everything.filter((j) => ids.has(j.id))).toEqual([]);

    for (const filter of [
      { search: "Secret" },
      { search: "Secretive" },
      { search: bOpen.displayNumber },
      { customerId: bCustomerId },
      { assigneeId: b.users.STAFF.id },
      { overdue: true },
      { statuses: ["FAILED", "READY_FOR_PICKUP", "PICKED_UP", "CANCELLED"] as const },
      { archived: "only" as const },
    ]) {
      const page = await a.as.STAFF.jobs.list({ filter: { ...filter, statuses: filter.statuses ? [...filter.statuses] : undefined } });
      expect(page.items.filter((j) => ids.has(j.id) || j.title.startsWith("Secret")), JSON.stringify(filter)).toEqual([]);
    }

    const exceptions = await a.as.STAFF.exceptions.list({});
    expect(exceptions.items.filter((e) => e.job?.title.startsWith("Secret"))).toEqual([]);
    expect(exceptions.counts.OVERDUE + exceptions.counts.FAILED_PRINT + exceptions.counts.READY_UNPAID).toBe(0);

    const forecast = await a.as.STAFF.forecast.capacity({});
    expect(forecast.jobs.map((j) => j.id)).toEqual([aOpen.id]);
    expect(forecast.machinesRule).toBe("default");

    const views = await a.as.LEAD.views.list();
    expect(views.map((v) => v.id)).not.toContain(bViewId);
  });

  it("the views the list reads (site_jobs, site_customers) are the same wall as row-level security", async () => {
    const seen = await inSite(harness.db.prisma, a.siteId, (tx) =>
      tx.$queryRaw<Array<{ site_id: string }>>`
        SELECT site_id::text FROM site_jobs UNION ALL SELECT site_id::text FROM site_customers`,
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((r) => r.site_id))).toEqual(new Set([a.siteId]));

    // A transaction that names no site sees nothing, as with the tables themselves.
    const none = await harness.db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('role', 'orderdeck_app', true)`;
      return tx.$queryRaw<Array<{ n: number }>>`SELECT (SELECT count(*) FROM site_jobs)::int + (SELECT count(*) FROM site_customers)::int AS n`;
    });
    expect(none[0]?.n).toBe(0);

    // They are read-only for the application: writes go to the tables, under their policies.
    for (const write of [
      (tx: TransactionClient) => tx.$executeRaw`UPDATE site_jobs SET title = 'pwned'`,
      (tx: TransactionClient) => tx.$executeRaw`DELETE FROM site_customers`,
      (tx: TransactionClient) =>
        tx.$executeRaw`INSERT INTO site_customers (id, site_id, name) VALUES (gen_random_uuid(), ${b.siteId}::uuid, 'planted')`,
    ]) {
      await expect(inSite(harness.db.prisma, a.siteId, write)).rejects.toThrow(/permission denied/);
    }
  });
});
