// console-core against a real API server and PostgreSQL, with real SQLite files (issue 7's
// "done when"): a 20 000-job first pull and a poke that brings a change within a second; an
// offline handover of a job cancelled meanwhile ending as a conflict exception; an outbox pushed twice (a lost response) changing nothing the second time; two
// consoles handing over one job offline: one handover, one conflict. (The console killed with a
// full outbox is in the reliability suite: reliability/console-crash.test.ts.)
import { openDatabase, type ConsoleCore } from "@orderdeck/console-core";
import { describe, expect, it } from "vitest";
import { addQueuedJobsInBulk, apiStackForFile, addJob, createSiteSetup, eventually, until, type SiteSetup } from "./console-helpers.ts";

const stack = apiStackForFile();

const consoleAt = (setup: SiteSetup, role: "STAFF" | "LEAD" = "STAFF", options = {}) => stack.console(setup, role, options);

const synced = (core: ConsoleCore) => until(core, (s) => s.connection === "online" && s.outboxSize === 0 && s.lastSyncAt !== null, 30_000);

describe("a console's first pull and live updates", () => {
  it("fills the cache with 20 000 jobs, then a change on the server reaches it within a second through the poke", { timeout: 90_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Bulk Works");
    await addQueuedJobsInBulk(stack.db, setup.siteId, 20_000);
    const { core, dir } = await consoleAt(setup, "STAFF", { pullLimit: 1_000 });
    await synced(core);
    const cache = openDatabase(dir);
    try {
      const cached = cache.prepare<[], { n: number }>("SELECT count(*) AS n FROM jobs").get()?.n;
      expect(cached).toBe(20_000);
      expect(core.queue.list({ includeClosed: false, limit: 3 }).items.map((j) => j.title)).toEqual(["Part 1", "Part 2", "Part 3"]);

      // Another client of the server changes a job; the console hears of it through sync.events.
      const target = await stack.db.pool.query<{ id: string }>("SELECT id::text FROM jobs WHERE site_id = $1 AND title = 'Part 777'", [setup.siteId]);
      const id = target.rows[0]?.id as string;
      const started = Date.now();
      await stack.db.pool.query("UPDATE jobs SET title = 'Part 777 (reprinted in PETG)' WHERE id = $1", [id]);
      await eventually(
        () => core.queue.get(id)?.title,
        (title) => title === "Part 777 (reprinted in PETG)",
        5_000,
        5,
      );
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      cache.close();
      // Its 20 000 rows have nothing more to prove; the suites after it run without it.
      await core.close();
    }
  });
});

describe("offline handovers the server cannot accept", () => {
  it("a job cancelled on the server while a console handed it over offline ends as a conflict exception, not a handover", { timeout: 30_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Cancel Works");
    const job = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" });
    const { core, dir } = await consoleAt(setup);
    await synced(core);
    const cache = openDatabase(dir);
    stack.cleanups.push(async () => {
      cache.close();
    });
    // The server's row is stored apart from the row shown only while a change waits on the job.
    const serverCopy = () => cache.prepare<[string], { server: string | null }>("SELECT server FROM jobs WHERE id = ?").get(job.id)?.server;
    expect(serverCopy()).toBeNull();

    const answer = await stack.serverDown(async () => {
      await until(core, (s) => s.connection === "offline");
      const confirmed = await core.pickup.confirm(job.pickupCode);
      // Cancelled at the server (by someone at another till) while this console could not tell.
      await stack.db.pool.query("UPDATE jobs SET status = 'CANCELLED', queue_position = NULL WHERE id = $1", [job.id]);
      // A second scan at this station while offline is answered from the outbox, not queued again.
      const again = await core.pickup.confirm(job.pickupCode);
      expect(again).toMatchObject({ outcome: "pending_sync", mutationId: confirmed.mutationId });
      expect(core.pickup.lookup(job.pickupCode).pendingHandover?.mutationId).toBe(confirmed.mutationId);
      expect(serverCopy()).toMatch(/"status":"READY_FOR_PICKUP"/);
      return confirmed;
    });
    expect(answer).toMatchObject({ outcome: "pending_sync", job: { status: "PICKED_UP", pendingChanges: 1 } });

    await synced(core);
    // Rolled back to the server's truth, with a notice; on the server a conflict, never a handover.
    expect(core.queue.get(job.id)).toMatchObject({ status: "CANCELLED", pendingChanges: 0 });
    expect(core.notices.list()[0]?.message).toMatch(/handover conflicted .*cancelled/);
    expect(serverCopy()).toBeNull();
    const events = await stack.db.pool.query("SELECT 1 FROM job_events WHERE job_id = $1 AND type = 'picked_up'", [job.id]);
    expect(events.rowCount).toBe(0);
    const exceptions = await stack.db.pool.query<{ outcome: string }>("SELECT outcome::text FROM scan_records WHERE job_id = $1", [job.id]);
    expect(exceptions.rows).toEqual([{ outcome: "CONFLICT" }]);
  });

  it("two consoles hand over the same job offline: one handover, the other a conflict", { timeout: 30_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Race Works");
    const job = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" });
    const a = await consoleAt(setup);
    const b = await consoleAt(setup);
    await Promise.all([synced(a.core), synced(b.core)]);

    await stack.serverDown(async () => {
      await Promise.all([until(a.core, (s) => s.connection === "offline"), until(b.core, (s) => s.connection === "offline")]);
      const [ra, rb] = await Promise.all([a.core.pickup.confirm(job.pickupCode), b.core.pickup.confirm(job.pickupCode)]);
      expect([ra.outcome, rb.outcome]).toEqual(["pending_sync", "pending_sync"]);
    });
    await Promise.all([synced(a.core), synced(b.core)]);

    const handovers = await stack.db.pool.query<{ station: string }>(
      "SELECT picked_up_station_id::text AS station FROM jobs WHERE id = $1 AND status = 'PICKED_UP'",
      [job.id],
    );
    expect(handovers.rowCount).toBe(1);
    const outcomes = await stack.db.pool.query<{ outcome: string }>("SELECT outcome::text FROM client_mutations WHERE site_id = $1 ORDER BY outcome", [setup.siteId]);
    expect(outcomes.rows.map((r) => r.outcome)).toEqual(["APPLIED", "CONFLICT"]);
    const scans = await stack.db.pool.query<{ outcome: string }>("SELECT outcome::text FROM scan_records WHERE job_id = $1 ORDER BY outcome", [job.id]);
    expect(scans.rows.map((r) => r.outcome).sort()).toEqual(["CONFLICT", "HANDED_OVER"]);
    // Both consoles now show the one real handover; the loser has a notice saying so.
    for (const { core } of [a, b]) expect(core.queue.get(job.id)).toMatchObject({ status: "PICKED_UP", pendingChanges: 0 });
    const notices = [...a.core.notices.list(), ...b.core.notices.list()];
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(/already picked up/);
  });
});

describe("a lost response", () => {
  it("sends the same outbox again, and the second time changes nothing", { timeout: 30_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Lost Works");
    const jobs = [await addJob(stack.db, setup.siteId), await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" })];
    let dropNextPush = false;
    let pushes = 0;
    // The answer to a push is lost on the way back (the server did apply it): the console only
    // sees a failed request.
    const lossyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).includes("sync.push")) {
        pushes++;
        if (dropNextPush) {
          dropNextPush = false;
          throw new TypeError("fetch failed: connection reset");
        }
      }
      return response;
    };
    const { core } = await consoleAt(setup, "STAFF", { fetch: lossyFetch, liveAnswerTimeoutMs: 300 });
    await synced(core);

    const snapshot = async () =>
      (
        await stack.db.pool.query<{ digest: string }>(
          `SELECT md5(string_agg(x, '|' ORDER BY x)) AS digest FROM (
             SELECT j::text AS x FROM jobs j WHERE site_id = $1
             UNION ALL SELECT e.id::text FROM job_events e WHERE site_id = $1
             UNION ALL SELECT r.id::text FROM receipts r WHERE site_id = $1
             UNION ALL SELECT m.id::text || m.outcome::text FROM client_mutations m WHERE site_id = $1) parts`,
          [setup.siteId],
        )
      ).rows[0]?.digest;

    dropNextPush = true;
    const pushesBefore = pushes;
    const queuedJob = jobs[0] as { id: string };
    await core.jobs.note(queuedJob.id, "Sanded twice");
    await core.jobs.transition(queuedJob.id, "IN_PROGRESS");
    await core.pickup.confirm((jobs[1] as { pickupCode: string }).pickupCode);
    await synced(core);
    expect(pushes).toBeGreaterThan(pushesBefore + 1);
    const afterFirst = await snapshot();

    const ledger = await stack.db.pool.query<{ outcome: string }>("SELECT outcome::text FROM client_mutations WHERE site_id = $1", [setup.siteId]);
    expect(ledger.rows.map((r) => r.outcome)).toEqual(["APPLIED", "APPLIED", "APPLIED"]);
    expect(await stack.db.pool.query("SELECT 1 FROM job_events WHERE job_id = $1", [queuedJob.id]).then((r) => r.rowCount)).toBe(2);
    expect(core.queue.get(queuedJob.id)).toMatchObject({ status: "IN_PROGRESS", notes: "Sanded twice", pendingChanges: 0 });
    await core.sync.now();
    expect(await snapshot()).toBe(afterFirst);
  });
});
