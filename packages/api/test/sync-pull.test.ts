// sync.pull against a real database: a full snapshot paged out, increments after changes, tombstones
// for jobs leaving the console's scope, customers edited on their own, a cursor that never skips a
// row whose transaction committed after a later one, and cursors the server did not hand out.
import { generatePickupCode, SyncPullPage } from "@orderdeck/contracts";
import { createPrismaClient, type SentStatement } from "@orderdeck/db";
import { describe, expect, it } from "vitest";
import { pullPage } from "../src/sync/pull.ts";
import { apiHarnessForFile, refusalOf, type Caller } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Sync Leipzig");
const otherSite = await harness.createSite("Sync Dresden");

/**
 * Pages through one round; returns every page and the cursor the round ended with. Each page must be
 * exactly a value of its contract, as the console that receives it parses it (the server does not).
 */
async function round(caller: Caller, cursor: string | undefined, limit = 10): Promise<{ pages: SyncPullPage[]; cursor: string }> {
  const pages: SyncPullPage[] = [];
  let next = cursor;
  for (let i = 0; i < 1000; i++) {
    const page = await caller.sync.pull({ cursor: next, limit });
    expect(SyncPullPage.parse(page)).toEqual(page);
    pages.push(page);
    next = page.cursor;
    if (!page.hasMore) return { pages, cursor: page.cursor };
  }
  throw new Error("the round never ended");
}

const jobIds = (pages: SyncPullPage[]) => pages.flatMap((p) => p.jobs.map((j) => j.id));
const tombstoneIds = (pages: SyncPullPage[]) => pages.flatMap((p) => p.tombstones.map((t) => t.id));

describe("sync.pull", () => {
  let cursor: string;
  const open: string[] = [];
  let recentlyClosed: string;
  let longClosed: string;
  let archived: string;
  let customerId: string;

  it("pages a fresh console through the full snapshot: open jobs, recently closed ones, their customers", async () => {
    const customer = await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: "Grace Hopper", email: "grace@example.test" } });
    customerId = customer.id;
    for (let i = 0; i < 23; i++) open.push((await insertJob(harness, site, { customerId: i % 5 === 0 ? customer.id : null })).id);
    recentlyClosed = (await insertJob(harness, site, { status: "PICKED_UP" })).id;
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    longClosed = (await insertJob(harness, site, { status: "CANCELLED", createdAt: longAgo })).id;
    archived = (await insertJob(harness, site, { status: "SHIPPED", fulfilment: "SHIP", archivedAt: new Date() })).id;
    await insertJob(harness, otherSite);

    const { pages, cursor: end } = await round(site.as.STAFF, undefined, 10);
    cursor = end;
    expect(pages.length).toBe(3);
    expect(pages.every((p) => p.full)).toBe(true);
    const ids = jobIds(pages);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set([...open, recentlyClosed]));
    expect(ids).not.toContain(longClosed);
    expect(ids).not.toContain(archived);
    expect(tombstoneIds(pages)).toEqual([]);
    // Customers come with the jobs that reference them; site and handoffs with the first page only.
    expect(pages.flatMap((p) => p.customers.map((c) => c.id))).toContain(customer.id);
    expect(pages[0]?.site).toMatchObject({ id: site.siteId, timezone: "Europe/Berlin" });
    expect(pages[0]?.handoffs).toEqual([]);
    expect(pages[1]?.site).toBeNull();
    const job = pages.flatMap((p) => p.jobs).find((j) => j.id === open[0]);
    expect(job).toMatchObject({ status: "QUEUED", customerId: customer.id, version: 1, paymentStatus: "UNPAID", paidCents: 0 });
  });

  it("answers an increment with only what changed since, and an empty one when nothing did", async () => {
    const quiet = await round(site.as.STAFF, cursor);
    expect(jobIds(quiet.pages)).toEqual([]);
    expect(quiet.pages[0]?.full).toBe(false);

    const target = open[3] as string;
    const moved = await site.as.STAFF.jobs.transition({ id: target, to: "IN_PROGRESS" });
    const created = await site.as.STAFF.jobs.create({ title: "New bracket" });
    await site.as.STAFF.jobs.archive({ id: recentlyClosed });

    const { pages, cursor: end } = await round(site.as.STAFF, quiet.cursor);
    cursor = end;
    expect(new Set(jobIds(pages))).toEqual(new Set([target, created.id]));
    expect(pages.flatMap((p) => p.jobs).find((j) => j.id === target)).toMatchObject({ status: "IN_PROGRESS", version: moved.version });
    // Archived: out of scope, so a tombstone tells the console to drop it.
    expect(tombstoneIds(pages)).toEqual([recentlyClosed]);
  });

  it("sends a customer edited on its own (no job changed) in the increment", async () => {
    await harness.db.prisma.customer.update({ where: { id: customerId }, data: { phone: "+49 30 1234567" } });
    const { pages, cursor: end } = await round(site.as.STAFF, cursor);
    cursor = end;
    expect(jobIds(pages)).toEqual([]);
    expect(pages.flatMap((p) => p.customers)).toEqual([expect.objectContaining({ id: customerId, phone: "+49 30 1234567" })]);
  });

  it("ends a current console's round in one call when its changes fit a page, and pages customers that do not", async () => {
    const edited: string[] = [];
    for (const name of ["Ada Lovelace", "Alan Turing", "Edsger Dijkstra"]) {
      edited.push((await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name } })).id);
    }
    // One of the jobs that reference the first test's customer.
    const changedJob = open[10] as string;
    await site.as.STAFF.jobs.update({ id: changedJob, version: 1, material: "PETG" });

    // Limit 10: the job, the three new customers and the job's own customer, in one page that ends the round.
    const fits = await site.as.STAFF.sync.pull({ cursor, limit: 10 });
    expect(fits.hasMore).toBe(false);
    expect(jobIds([fits])).toEqual([changedJob]);
    expect(new Set(fits.customers.map((c) => c.id))).toEqual(new Set([...edited, customerId]));

    // The same round from the same cursor with pages of 2: the job and two of the customers, then the third.
    const first = await site.as.STAFF.sync.pull({ cursor, limit: 2 });
    expect(first.hasMore).toBe(true);
    expect(jobIds([first])).toEqual([changedJob]);
    const second = await site.as.STAFF.sync.pull({ cursor: first.cursor, limit: 2 });
    expect(second.hasMore).toBe(false);
    expect(second.jobs).toEqual([]);
    expect(second.site).toBeNull();
    const paged = [...first.customers, ...second.customers].map((c) => c.id);
    expect(new Set(paged)).toEqual(new Set([...edited, customerId]));
    expect(second.customers).toHaveLength(1);
    cursor = fits.cursor;
  });

  it("never skips a row whose transaction took an earlier change_seq but committed later", async () => {
    const [first, second] = [open[5] as string, open[6] as string];
    const slow = await harness.db.pool.connect();
    const fast = await harness.db.pool.connect();
    try {
      await slow.query("BEGIN");
      const a = await slow.query<{ change_seq: string }>("UPDATE jobs SET machine = 'Prusa 1' WHERE id = $1 RETURNING change_seq::text", [first]);
      await fast.query("BEGIN");
      const b = await fast.query<{ change_seq: string }>("UPDATE jobs SET machine = 'Prusa 2' WHERE id = $1 RETURNING change_seq::text", [second]);
      await fast.query("COMMIT");
      // The premise: the later commit has the larger sequence number.
      expect(BigInt(a.rows[0]?.change_seq ?? "0")).toBeLessThan(BigInt(b.rows[0]?.change_seq ?? "0"));

      const during = await round(site.as.STAFF, cursor);
      expect(jobIds(during.pages)).toEqual([second]);
      cursor = during.cursor;

      await slow.query("COMMIT");
    } finally {
      slow.release();
      fast.release();
    }
    // A cursor of "highest change_seq seen" would now be past the first job's seq and miss it.
    const after = await round(site.as.STAFF, cursor);
    cursor = after.cursor;
    expect(jobIds(after.pages)).toEqual([first]);
    expect(after.pages.flatMap((p) => p.jobs)[0]?.machine).toBe("Prusa 1");
  });

  it("keeps paging correctly while rows change between pages of one round", async () => {
    // A fresh console pages the snapshot 5 at a time; halfway, jobs it already got change again.
    const first = await site.as.STAFF.sync.pull({ limit: 5 });
    const seen = new Set(first.jobs.map((j) => j.id));
    const early = first.jobs[0]?.id as string;
    await harness.db.pool.query("UPDATE jobs SET machine = 'Bambu X1' WHERE id = $1", [early]);
    let next = first.cursor;
    let more = first.hasMore;
    for (let pages = 1; more; pages++) {
      // A cursor that never reaches the end is a failure to name, not a test left to time out.
      expect(pages, "pages of one round (the site has a few dozen jobs)").toBeLessThan(100);
      const page = await site.as.STAFF.sync.pull({ cursor: next, limit: 5 });
      for (const job of page.jobs) seen.add(job.id);
      next = page.cursor;
      more = page.hasMore;
    }
    const expected = await harness.db.pool.query<{ id: string }>(
      "SELECT id::text FROM jobs WHERE site_id = $1 AND archived_at IS NULL AND (status NOT IN ('PICKED_UP','SHIPPED','CANCELLED') OR updated_at > now() - interval '14 days')",
      [site.siteId],
    );
    expect(seen).toEqual(new Set(expected.rows.map((r) => r.id)));
    // The change made during the round arrives with the next one.
    const following = await round(site.as.STAFF, next);
    expect(following.pages.flatMap((p) => p.jobs).find((j) => j.id === early)?.machine).toBe("Bambu X1");
  });

  it("refuses a cursor it did not hand out, telling the console to start over", async () => {
    for (const bad of ["not-a-cursor", Buffer.from("{}").toString("base64url"), Buffer.from('{"v":1}').toString("base64url")]) {
      const refusal = await refusalOf(site.as.STAFF.sync.pull({ cursor: bad }));
      expect(refusal.code).toBe("BAD_REQUEST");
      expect(refusal.message).toMatch(/pull again without a cursor/);
    }
    // Another site's cursor is not this site's.
    const theirs = await otherSite.as.STAFF.sync.pull({});
    expect((await refusalOf(site.as.STAFF.sync.pull({ cursor: theirs.cursor }))).code).toBe("BAD_REQUEST");
    // A snapshot from a future this database has not reached (a replaced database).
    const future = Buffer.from(
      JSON.stringify({ v: 1, site: site.siteId, prev: "900000000:900000000:", target: null, phase: "jobs", lastSeq: null, lastId: null }),
    ).toString("base64url");
    expect((await refusalOf(site.as.STAFF.sync.pull({ cursor: future }))).code).toBe("BAD_REQUEST");
  });

  it("is for enrolled console stations only", async () => {
    const { signInWithoutStation } = await import("./pickup-helpers.ts");
    const browser = await signInWithoutStation(harness, site);
    expect((await refusalOf(browser.sync.pull({}))).code).toBe("FORBIDDEN");
  });
});

describe("sync.pull's page of jobs", () => {
  it("reads each row of the page whole: the assignee's and handover's names, the payments summed, in (change_seq, id) order", async () => {
    const shop = await harness.createSite("Sync Chemnitz");
    const staff = shop.users.STAFF;
    const assigned = await insertJob(harness, shop);
    await harness.db.prisma.job.update({ where: { id: assigned.id }, data: { assigneeId: staff.id } });
    const handed = await insertJob(harness, shop, { status: "PICKED_UP" });
    await harness.db.prisma.job.update({ where: { id: handed.id }, data: { pickedUpById: staff.id, pickedUpStationId: shop.stationId, pickedUpAt: new Date() } });
    const paid = await insertJob(harness, shop);
    for (const [i, amount] of [700, 800].entries()) {
      await harness.db.prisma.payment.create({
        data: { siteId: shop.siteId, jobId: paid.id, provider: "cash", providerReference: `sync-page-${paid.id}-${i}`, amountCents: amount, currency: "EUR" },
      });
    }
    for (let i = 0; i < 7; i++) await insertJob(harness, shop);

    const { pages } = await round(shop.as.STAFF, undefined, 4);
    const jobs = pages.flatMap((p) => p.jobs);
    expect(jobs).toHaveLength(10);
    const order = jobs.map((j) => BigInt(j.changeSeq));
    expect(order).toEqual([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get(assigned.id)).toMatchObject({ assigneeId: staff.id, assigneeName: "STAFF of Sync Chemnitz" });
    expect(byId.get(handed.id)).toMatchObject({
      status: "PICKED_UP",
      pickedUpById: staff.id,
      pickedUpByName: "STAFF of Sync Chemnitz",
      pickedUpStationId: shop.stationId,
      pickedUpStationName: "Sync Chemnitz counter",
    });
    expect(byId.get(paid.id)?.paidCents).toBe(1500);
  });

  it("writes every timestamp as a JS Date prints it (UTC, milliseconds), the column's own value", async () => {
    const shop = await harness.createSite("Sync Zwickau");
    const customer = await harness.db.prisma.customer.create({ data: { siteId: shop.siteId, name: "Ada Lovelace" } });
    const job = await insertJob(harness, shop, { status: "PICKED_UP", customerId: customer.id });
    await harness.db.pool.query(
      "UPDATE jobs SET due_at = '2031-02-03 04:05:06.789987+00', picked_up_at = '2031-02-03 23:59:59.999999-02' WHERE id = $1",
      [job.id],
    );
    const open = await insertJob(harness, shop);

    const { pages } = await round(shop.as.STAFF, undefined, 10);
    const byId = new Map(pages.flatMap((p) => p.jobs).map((j) => [j.id, j]));
    const stored = await harness.db.pool.query<{ id: string; created_at: Date; updated_at: Date }>(
      "SELECT id::text, created_at, updated_at FROM jobs WHERE id = ANY($1::uuid[])",
      [[job.id, open.id]],
    );
    for (const row of stored.rows) {
      expect(byId.get(row.id)).toMatchObject({ createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() });
    }
    // The columns keep milliseconds (timestamptz(3)): PostgreSQL rounded the microseconds on the way in.
    expect(byId.get(job.id)).toMatchObject({ dueAt: "2031-02-03T04:05:06.790Z", pickedUpAt: "2031-02-04T02:00:00.000Z", archivedAt: null });
    expect(byId.get(open.id)).toMatchObject({ dueAt: null, pickedUpAt: null });
    const customerRow = await harness.db.pool.query<{ updated_at: Date }>("SELECT updated_at FROM customers WHERE id = $1", [customer.id]);
    expect(pages.flatMap((p) => p.customers).find((c) => c.id === customer.id)?.updatedAt).toBe(customerRow.rows[0]?.updated_at.toISOString());
  });

  it("reads a full snapshot's page off the change-order index: the page's rows, not every job left after it", async () => {
    const shop = await harness.createSite("Sync Plauen");
    const codes = new Set<string>();
    while (codes.size < 2000) codes.add(generatePickupCode());
    await harness.db.pool.query(
      `INSERT INTO jobs (id, site_id, title, status, fulfilment, queue_position, payment_status, pickup_code, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 'Bracket ' || n, 'QUEUED', 'PICKUP', n, 'UNPAID', code, now()
         FROM unnest($2::text[]) WITH ORDINALITY AS c(code, n)`,
      [shop.siteId, [...codes]],
    );
    await harness.db.pool.query("ANALYZE jobs");
    const sent: SentStatement[] = [];
    const prisma = createPrismaClient(harness.db.url, { onQuery: (statement) => sent.push(statement) });
    try {
      const first = await pullPage({ prisma, siteId: shop.siteId }, { limit: 1000 });
      sent.length = 0;
      const second = await pullPage({ prisma, siteId: shop.siteId }, { cursor: first.cursor, limit: 500 });
      expect(second.jobs).toHaveLength(500);
    } finally {
      await prisma.$disconnect();
    }
    // The second page's transaction again, as sent, with its page of jobs explained.
    const isPage = (text: string) => /ORDER BY j\.change_seq, j\.id\s+LIMIT/.test(text);
    expect(sent.filter((s) => isPage(s.text))).toHaveLength(1);
    let plan = "";
    let settings: unknown;
    const client = await harness.db.pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      for (const statement of sent) {
        if (/^\s*(BEGIN|COMMIT)\b/.test(statement.text)) continue;
        if (!isPage(statement.text)) {
          await client.query(statement.text, statement.params);
          continue;
        }
        const explained = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${statement.text}`, statement.params);
        plan = explained.rows.map((row) => row["QUERY PLAN"]).join("\n");
      }
      settings = (await client.query("SELECT current_setting('enable_seqscan') AS seq, current_setting('enable_bitmapscan') AS bitmap, current_setting('enable_sort') AS sort")).rows[0];
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
    // Walked in order and stopped at the page: its 501 rows (500 and the one that tells more follow).
    expect(plan).toMatch(/Index Scan using jobs_site_id_change_seq_idx on jobs/);
    expect(plan).not.toMatch(/Seq Scan on jobs|Bitmap Heap Scan on jobs|->\s+Sort\b/);
    const read = Number(/jobs_site_id_change_seq_idx on jobs \(actual rows=(\d+)/.exec(plan)?.[1] ?? Number.NaN);
    expect(read).toBeLessThanOrEqual(510);
    // The planner's settings for the page are the page's alone: the rest of the transaction plans as usual.
    expect(settings).toEqual({ seq: "on", bitmap: "on", sort: "on" });
  });
});
