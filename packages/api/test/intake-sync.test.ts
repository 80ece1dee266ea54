// The storefront sync against real Postgres and the fake storefront over HTTP: chunk boundaries,
// reruns that write nothing, resuming after the feed fails mid-run, the advisory lock, full
// reconciliation, and the source's health.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cursorToken } from "../src/intake/storefront-feed.ts";
import { runFullReconciliation, runIncrementalSync } from "../src/intake/sync-run.ts";
import { readIntakeStatus } from "../src/intake/status.ts";
import { apiHarnessForFile, type SiteFixture } from "./harness.ts";
import { addFeed, feedJobCounts, intakeDeps, sourceRow, stopFeeds, writesFingerprint } from "./intake-helpers.ts";

const harness = await apiHarnessForFile();

afterAll(async () => {
  await stopFeeds();
});

function lastCursor(orders: Array<{ id: string; updated_at: string }>): string {
  const last = orders.at(-1);
  if (!last) throw new Error("no orders");
  return cursorToken({ updatedAt: last.updated_at, id: last.id });
}

describe("chunk boundaries: every row lands exactly once", { timeout: 60_000 }, () => {
  const cases = [
    { orders: 12, pageSize: 1, chunkSize: 4 },
    { orders: 12, pageSize: 3, chunkSize: 4 },
    { orders: 12, pageSize: 4, chunkSize: 4 },
    { orders: 12, pageSize: 5, chunkSize: 4 },
    { orders: 12, pageSize: 8, chunkSize: 4 },
    { orders: 13, pageSize: 4, chunkSize: 4 },
    { orders: 13, pageSize: 1, chunkSize: 3 },
    { orders: 12, pageSize: 4, chunkSize: 3 },
    { orders: 12, pageSize: 4, chunkSize: 5 },
    { orders: 12, pageSize: 50, chunkSize: 12 },
    { orders: 12, pageSize: 2, chunkSize: 1 },
  ];
  for (const c of cases) {
    it(`${c.orders} orders, pages of ${c.pageSize}, chunks of ${c.chunkSize}`, async () => {
      const site = await harness.createSite();
      const feed = await addFeed(harness, site, { orders: c.orders, pageSize: c.pageSize, tieGroup: 3 });
      const outcome = await runIncrementalSync(intakeDeps(harness, { chunkSize: c.chunkSize }), { siteId: site.siteId, sourceId: feed.sourceId });

      expect(outcome.status).toBe("SUCCEEDED");
      if (outcome.status === "DISABLED") throw new Error("unreachable");
      expect(outcome.run).toMatchObject({ rowsSeen: c.orders, rowsInserted: c.orders, rowsUpdated: 0, rowsRejected: 0, error: null });
      const counts = await feedJobCounts(harness, site.siteId);
      expect([...counts.keys()].sort()).toEqual(feed.store.control.list().map((o) => o.id).sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      const created = await harness.db.pool.query(`SELECT count(*)::int AS n FROM job_events WHERE site_id = $1 AND type = 'created'`, [site.siteId]);
      expect(created.rows[0].n).toBe(c.orders);
      // Pages are read once each: a page ends where the next begins, ties on updated_at included.
      expect(feed.store.control.requests.filter((r) => r.path === "/orders")).toHaveLength(Math.ceil(c.orders / c.pageSize));
      const source = await sourceRow(harness, feed.sourceId);
      expect(source.cursor).toBe(lastCursor(feed.store.control.list()));
      expect(source.lastSuccessAt).not.toBeNull();
      // Appended to the queue in feed order.
      const board = await harness.db.pool.query<{ external_id: string }>(
        `SELECT external_id FROM jobs WHERE site_id = $1 ORDER BY queue_position`,
        [site.siteId],
      );
      expect(board.rows.map((r) => r.external_id)).toEqual(feed.store.control.list().map((o) => o.id));
    });
  }

  it("a feed that repeats rows across pages still lands each once", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 10, pageSize: 3 });
    feed.store.control.serveDuplicates(2);
    const outcome = await runIncrementalSync(intakeDeps(harness, { chunkSize: 4 }), { siteId: site.siteId, sourceId: feed.sourceId });
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run.rowsInserted).toBe(10);
    expect(outcome.run.rowsSeen).toBeGreaterThan(10);
    expect(outcome.run.rowsUnchanged).toBe(outcome.run.rowsSeen - 10);
    const counts = await feedJobCounts(harness, site.siteId);
    expect(counts.size).toBe(10);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await sourceRow(harness, feed.sourceId)).cursor).toBe(lastCursor(feed.store.control.list()));
  });
});

describe("reruns", { timeout: 60_000 }, () => {
  let site: SiteFixture;
  let feed: Awaited<ReturnType<typeof addFeed>>;

  beforeAll(async () => {
    site = await harness.createSite();
    feed = await addFeed(harness, site, { orders: 9, pageSize: 4 });
    await runIncrementalSync(intakeDeps(harness, { chunkSize: 3 }), { siteId: site.siteId, sourceId: feed.sourceId });
  });

  it("an incremental rerun with no source changes reads from the cursor and writes nothing", async () => {
    const before = await writesFingerprint(harness, site.siteId);
    feed.store.control.clearRequests();
    const outcome = await runIncrementalSync(intakeDeps(harness, { chunkSize: 3 }), { siteId: site.siteId, sourceId: feed.sourceId });
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.run).toMatchObject({ rowsSeen: 0, rowsInserted: 0, rowsUpdated: 0 });
    expect(feed.store.control.requests[0]?.updatedAfter).toBe(lastCursor(feed.store.control.list()));
    expect(await writesFingerprint(harness, site.siteId)).toBe(before);
  });

  it("a full reconciliation reads every row again and, with nothing changed, writes nothing", async () => {
    const before = await writesFingerprint(harness, site.siteId);
    const outcome = await runFullReconciliation(intakeDeps(harness, { chunkSize: 3 }), { siteId: site.siteId, sourceId: feed.sourceId });
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ mode: "FULL", status: "SUCCEEDED", rowsSeen: 9, rowsInserted: 0, rowsUpdated: 0, rowsUnchanged: 9 });
    expect(await writesFingerprint(harness, site.siteId)).toBe(before);
    expect((await sourceRow(harness, feed.sourceId)).checkpoint).toBeNull();
  });

  it("a change at the storefront is taken by the next incremental run, and only it", async () => {
    const changed = feed.store.control.updateOrder("SO-100002", { title: "Phone stand, engraved" });
    const outcome = await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ rowsSeen: 1, rowsInserted: 0, rowsUpdated: 1 });
    const job = await harness.db.prisma.job.findFirstOrThrow({ where: { siteId: site.siteId, externalId: changed.id } });
    expect(job.title).toBe("Phone stand, engraved");
    const events = await harness.db.prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { at: "asc" } });
    expect(events.map((e) => [e.type, e.actorKind])).toEqual([
      ["created", "SYSTEM"],
      ["updated", "SYSTEM"],
    ]);
  });

  it("a full reconciliation finds an order the cursor had already passed", async () => {
    const first = feed.store.control.list()[0];
    const [late] = feed.store.control.addOrders(1, { updatedAt: new Date(Date.parse(first?.updated_at ?? "") - 60_000) });
    const incremental = await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    if (incremental.status === "DISABLED") throw new Error("unreachable");
    expect(incremental.run.rowsSeen).toBe(0);
    expect((await feedJobCounts(harness, site.siteId)).has(late?.id ?? "")).toBe(false);

    const cursorBefore = (await sourceRow(harness, feed.sourceId)).cursor;
    const full = await runFullReconciliation(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    if (full.status === "DISABLED") throw new Error("unreachable");
    expect(full.run).toMatchObject({ rowsInserted: 1, rowsUpdated: 0 });
    expect((await feedJobCounts(harness, site.siteId)).get(late?.id ?? "")).toBe(1);
    // The incremental cursor never moves back.
    expect((await sourceRow(harness, feed.sourceId)).cursor).toBe(cursorBefore);
  });
});

describe("the feed failing mid-run", { timeout: 60_000 }, () => {
  it("leaves the checkpoint at the last committed chunk, and the next run resumes there", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 12, pageSize: 2 });
    const orders = feed.store.control.list();
    const deps = intakeDeps(harness, { chunkSize: 4, retries: 1 });
    // Pages 1 and 2 fill chunk 1 (rows 1-4); page 3 brings rows 5-6; page 4 fails.
    feed.store.control.failAfterPages(3);
    const failed = await runIncrementalSync(deps, { siteId: site.siteId, sourceId: feed.sourceId });
    if (failed.status === "DISABLED") throw new Error("unreachable");
    expect(failed.status).toBe("FAILED");
    expect(failed.run.error).toMatch(/HTTP 500/);
    expect(failed.run).toMatchObject({ rowsSeen: 4, rowsInserted: 4 });
    const checkpoint = cursorToken({ updatedAt: orders[3]?.updated_at ?? "", id: orders[3]?.id ?? "" });
    expect(failed.run.cursorTo).toBe(checkpoint);
    let source = await sourceRow(harness, feed.sourceId);
    expect(source.cursor).toBe(checkpoint);
    expect(source.consecutiveFailures).toBe(1);
    expect(source.lastSuccessAt).toBeNull();
    expect([...(await feedJobCounts(harness, site.siteId)).keys()].sort()).toEqual(orders.slice(0, 4).map((o) => o.id));

    feed.store.control.failAfterPages(null);
    feed.store.control.clearRequests();
    const resumed = await runIncrementalSync(deps, { siteId: site.siteId, sourceId: feed.sourceId });
    if (resumed.status === "DISABLED") throw new Error("unreachable");
    expect(resumed.status).toBe("SUCCEEDED");
    // It asked the storefront for what follows the checkpoint, not for the first page again.
    expect(feed.store.control.requests[0]?.updatedAfter).toBe(checkpoint);
    expect(resumed.run).toMatchObject({ cursorFrom: checkpoint, rowsSeen: 8, rowsInserted: 8 });
    const counts = await feedJobCounts(harness, site.siteId);
    expect(counts.size).toBe(12);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    source = await sourceRow(harness, feed.sourceId);
    expect(source.consecutiveFailures).toBe(0);
  });

  it("an interrupted full reconciliation resumes from its own checkpoint", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 8, pageSize: 2 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    const orders = feed.store.control.list();
    feed.store.control.failAfterPages(2);
    const deps = intakeDeps(harness, { chunkSize: 2, retries: 0 });
    const failed = await runFullReconciliation(deps, { siteId: site.siteId, sourceId: feed.sourceId });
    expect(failed.status).toBe("FAILED");
    const at = cursorToken({ updatedAt: orders[3]?.updated_at ?? "", id: orders[3]?.id ?? "" });
    expect((await sourceRow(harness, feed.sourceId)).checkpoint).toMatchObject({ full: { after: at } });

    feed.store.control.failAfterPages(null);
    feed.store.control.clearRequests();
    const resumed = await runFullReconciliation(deps, { siteId: site.siteId, sourceId: feed.sourceId });
    if (resumed.status === "DISABLED") throw new Error("unreachable");
    expect(feed.store.control.requests[0]?.updatedAfter).toBe(at);
    expect(resumed.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 4, rowsUnchanged: 4 });
    expect((await sourceRow(harness, feed.sourceId)).checkpoint).toBeNull();
  });

  it("a page slower than the timeout fails the run with a message that says so", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 3, pageSize: 2 });
    feed.store.control.slowPages(1_000);
    const outcome = await runIncrementalSync(intakeDeps(harness, { timeoutMs: 100, retries: 0 }), { siteId: site.siteId, sourceId: feed.sourceId });
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.status).toBe("FAILED");
    expect(outcome.run.error).toMatch(/did not answer within 100 ms/);
    expect((await feedJobCounts(harness, site.siteId)).size).toBe(0);
  });

  it("wrong or missing credentials fail without retrying and never show the secret", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 3, pageSize: 2 });
    process.env[feed.ref] = "not-the-storefront-token";
    const refused = await runIncrementalSync(intakeDeps(harness, { retries: 3 }), { siteId: site.siteId, sourceId: feed.sourceId });
    if (refused.status === "DISABLED") throw new Error("unreachable");
    expect(refused.run.error).toMatch(/refused the credentials \(HTTP 401\)/);
    expect(refused.run.error).not.toContain("not-the-storefront-token");
    expect(feed.store.control.requests).toHaveLength(1);

    delete process.env[feed.ref];
    const missing = await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    if (missing.status === "DISABLED") throw new Error("unreachable");
    expect(missing.run.error).toContain(`set the environment variable ${feed.ref}`);
    expect((await sourceRow(harness, feed.sourceId)).consecutiveFailures).toBe(2);
    process.env[feed.ref] = feed.token;
  });
});

describe("never two runs of a source at once", { timeout: 60_000 }, () => {
  it("two runs started together: one runs, one reports the lock, no duplicate jobs", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 6, pageSize: 2 });
    // Slow pages keep the first run inside its lock while the second one asks for it.
    feed.store.control.slowPages(150);
    const [a, b] = await Promise.all([
      site.as.LEAD.intake.runNow({ sourceId: feed.sourceId }),
      site.as.ADMIN.intake.runNow({ sourceId: feed.sourceId }),
    ]);
    expect([a.status, b.status].sort()).toEqual(["LOCKED", "SUCCEEDED"]);
    const locked = a.status === "LOCKED" ? a : b;
    expect(locked.message).toMatch(/already being synced/);
    expect(locked.run.status).toBe("SKIPPED_LOCKED");
    const counts = await feedJobCounts(harness, site.siteId);
    expect(counts.size).toBe(6);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const runs = await site.as.LEAD.intake.runs({ sourceId: feed.sourceId });
    expect(runs.items.map((r) => r.status).sort()).toEqual(["SKIPPED_LOCKED", "SUCCEEDED"]);
  });

  it("a lock held by another process (another instance's run) turns a run away at once", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 2, pageSize: 2 });
    const other = await harness.db.pool.connect();
    try {
      await other.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [`orderdeck.intake:${feed.sourceId}`]);
      const outcome = await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
      expect(outcome.status).toBe("LOCKED");
      expect(feed.store.control.requests).toHaveLength(0);
    } finally {
      await other.query("SELECT pg_advisory_unlock_all()");
      other.release();
    }
    const after = await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    expect(after.status).toBe("SUCCEEDED");
  });

  it("a run left RUNNING by a dead process is marked interrupted by the next run", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 2, pageSize: 2 });
    const stale = await harness.db.prisma.intakeRun.create({
      data: { siteId: site.siteId, sourceId: feed.sourceId, mode: "INCREMENTAL", status: "RUNNING", startedAt: new Date(Date.now() - 3_600_000) },
    });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    const after = await harness.db.prisma.intakeRun.findUniqueOrThrow({ where: { id: stale.id } });
    expect(after.status).toBe("FAILED");
    expect(after.error).toMatch(/Interrupted/);
  });
});

describe("a row the database refuses", { timeout: 60_000 }, () => {
  it("goes to the dead-letter table on its own; the rest of the chunk lands and job numbers stay gapless", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 5, pageSize: 10 });
    const poisoned = feed.store.control.list()[2]?.id ?? "";
    feed.store.control.updateOrder(poisoned, { title: "Poison pill" });
    const constraint = `test_poison_${site.siteId.slice(0, 8)}`;
    await harness.db.pool.query(`ALTER TABLE jobs ADD CONSTRAINT ${constraint} CHECK (title <> 'Poison pill') NOT VALID`);
    try {
      const outcome = await runIncrementalSync(intakeDeps(harness, { chunkSize: 10 }), { siteId: site.siteId, sourceId: feed.sourceId });
      if (outcome.status === "DISABLED") throw new Error("unreachable");
      expect(outcome.run).toMatchObject({ status: "SUCCEEDED", rowsInserted: 4, rowsRejected: 1 });
      const letter = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { sourceId: feed.sourceId } });
      expect(letter).toMatchObject({ externalId: poisoned, kind: "INVALID", status: "OPEN" });
      expect(letter.reason).toMatch(/database refused/);
      const numbers = await harness.db.pool.query<{ number: number }>(`SELECT number FROM jobs WHERE site_id = $1 ORDER BY number`, [site.siteId]);
      expect(numbers.rows.map((r) => r.number)).toEqual([1, 2, 3, 4]);
    } finally {
      await harness.db.pool.query(`ALTER TABLE jobs DROP CONSTRAINT ${constraint}`);
    }
  });
});

describe("sync lag and health", { timeout: 60_000 }, () => {
  it("is behind from when a source is added until a run catches up, and again when the storefront has more than was taken", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 6, pageSize: 2 });
    const status = async (now: Date) => (await readIntakeStatus(harness.db.pool, now)).find((s) => s.sourceId === feed.sourceId);
    const source = await sourceRow(harness, feed.sourceId);
    const later = new Date(source.createdAt.getTime() + 600_000);
    expect((await status(later))?.lagSeconds).toBe(600);

    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    expect((await status(new Date(Date.now() + 3_600_000)))?.lagSeconds).toBe(0);
    expect((await status(new Date()))?.lastRun).toMatchObject({ status: "SUCCEEDED", seen: 6, inserted: 6 });

    // New orders arrive; the next run reads one page and then the storefront fails.
    feed.store.control.addOrders(5);
    feed.store.control.failAfterPages(1);
    await runIncrementalSync(intakeDeps(harness, { retries: 0 }), { siteId: site.siteId, sourceId: feed.sourceId });
    const lastSuccessAt = (await sourceRow(harness, feed.sourceId)).lastSuccessAt as Date;
    const behind = await status(new Date(lastSuccessAt.getTime() + 120_000));
    expect(behind?.lagSeconds).toBe(120);
    expect(behind?.consecutiveFailures).toBe(1);

    feed.store.control.failAfterPages(null);
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    expect((await status(new Date(Date.now() + 3_600_000)))?.lagSeconds).toBe(0);
  });
});
