// Retention archives and prunes exactly the rows past their age (each site by its own settings,
// no other site's rows), in batches; the hourly sweep runs it for every site through the worker.
import { generatePickupCode, type JobStatus } from "@orderdeck/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { SERVER_RETENTION_DEFAULTS, applyRetention, pruneUnsitedAudit } from "../src/retention/service.ts";
import { eventually, graphileJobs, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { apiHarnessForFile, refusalOf, type SiteFixture } from "./harness.ts";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const ago = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY - extraMs);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The server's settings the tests run with (the defaults: 30, 30 and 7 days). */
const SERVER = SERVER_RETENTION_DEFAULTS;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Retention Ost");
const other = await harness.createSite("Retention West");

beforeAll(async () => {
  for (const fixture of [site, other]) {
    await harness.db.prisma.site.update({
      where: { id: fixture.siteId },
      data: { archiveAfterDays: 30, pruneEventsAfterDays: 90, pruneDeliveriesAfterDays: 14 },
    });
  }
});

let position = 0;
async function job(fixture: SiteFixture, status: JobStatus, updatedAt: Date, archivedAt: Date | null = null) {
  const open = !["PICKED_UP", "SHIPPED", "CANCELLED"].includes(status);
  const row = await harness.db.prisma.job.create({
    data: {
      siteId: fixture.siteId,
      title: `${status} ${updatedAt.toISOString()}`,
      status,
      queuePosition: open ? ++position : null,
      pickupCode: generatePickupCode(),
      createdAt: updatedAt,
      updatedAt,
      archivedAt,
    },
  });
  return row.id;
}

/** One row of every pruned kind, `days` (plus `extraMs`) old; answers their ids. */
async function prunables(fixture: SiteFixture, jobId: string, days: number, extraMs = 0) {
  const at = ago(days, extraMs);
  const { prisma } = harness.db;
  const event = await prisma.jobEvent.create({ data: { siteId: fixture.siteId, jobId, actorKind: "SYSTEM", type: "note", at } });
  const scan = await prisma.scanRecord.create({ data: { siteId: fixture.siteId, code: "X", outcome: "UNKNOWN_CODE", serverTime: at } });
  const audit = await prisma.auditLog.create({ data: { siteId: fixture.siteId, action: "user.create", at } });
  const sent = await prisma.mailLog.create({ data: { siteId: fixture.siteId, kind: "READY_FOR_PICKUP", to: "a@example.com", subject: "s", status: "SENT", createdAt: at } });
  const pending = await prisma.mailLog.create({ data: { siteId: fixture.siteId, kind: "READY_FOR_PICKUP", to: "a@example.com", subject: "s", status: "PENDING", createdAt: at } });
  const endpoint = await prisma.webhookEndpoint.create({ data: { siteId: fixture.siteId, url: "https://example.com/h", secret: "s", eventTypes: ["job.status_changed"] } });
  const delivery = await prisma.webhookDelivery.create({
    data: { siteId: fixture.siteId, endpointId: endpoint.id, eventType: "job.status_changed", payload: {}, status: "GAVE_UP", createdAt: at },
  });
  return { event: event.id, scan: scan.id, audit: audit.id, sent: sent.id, pending: pending.id, delivery: delivery.id };
}

async function exists(table: string, id: string): Promise<boolean> {
  const result = await harness.db.pool.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  return result.rowCount === 1;
}

describe("retention", () => {
  it("archives closed jobs past archiveAfterDays and prunes each kind of row past its age, nothing else", async () => {
    const closedLongAgo = await job(site, "PICKED_UP", ago(30, MINUTE));
    const cancelledLongAgo = await job(site, "CANCELLED", ago(45));
    const shippedLongAgo = await job(site, "SHIPPED", ago(31));
    const closedRecently = await job(site, "PICKED_UP", ago(29, 23 * 60 * MINUTE));
    const openOld = await job(site, "QUEUED", ago(200));
    const alreadyArchived = await job(site, "PICKED_UP", ago(100), ago(60));
    const otherSitesOld = await job(other, "PICKED_UP", ago(100));

    // Events: 90 days; deliveries and mail: 14 days. A minute either side of each limit.
    const oldEvents = await Promise.all([1, 2, 3].map(() => prunables(site, openOld, 90, MINUTE)));
    const youngEvents = await prunables(site, openOld, 90, -MINUTE);
    const oldDeliveries = await prunables(site, openOld, 14, MINUTE);
    const youngDeliveries = await prunables(site, openOld, 14, -MINUTE);
    const otherSite = await prunables(other, otherSitesOld, 400);
    const unsited = await harness.db.prisma.auditLog.create({ data: { siteId: null, action: "auth.sign_in_failed", at: ago(400) } });

    // A batch size of 2 makes every step take several transactions.
    const result = await applyRetention(harness.db.prisma, site.siteId, { ...SERVER, now: NOW, batchSize: 2 });
    // Three sets past 90 days; the mail and deliveries of the set just under 90 days and of the set
    // just past 14 days too.
    expect(result).toEqual({
      archivedJobs: 3,
      jobEvents: 3,
      scanRecords: 3,
      auditRows: 3,
      mailLog: 5,
      webhookDeliveries: 5,
      intakeRuns: 0,
      clientMutations: 0,
      sessions: 0,
    });

    const jobs = await harness.db.prisma.job.findMany({ where: { id: { in: [closedLongAgo, cancelledLongAgo, shippedLongAgo, closedRecently, openOld, alreadyArchived, otherSitesOld] } } });
    const archivedAt = (id: string) => jobs.find((j) => j.id === id)?.archivedAt?.toISOString() ?? null;
    expect([closedLongAgo, cancelledLongAgo, shippedLongAgo].map(archivedAt)).toEqual([NOW.toISOString(), NOW.toISOString(), NOW.toISOString()]);
    expect([closedRecently, openOld, otherSitesOld].map(archivedAt)).toEqual([null, null, null]);
    expect(archivedAt(alreadyArchived)).toBe(ago(60).toISOString());
    const archiveEvents = await harness.db.prisma.jobEvent.findMany({ where: { type: "archived" }, orderBy: { jobId: "asc" } });
    expect(archiveEvents.map((e) => e.jobId).sort()).toEqual([closedLongAgo, cancelledLongAgo, shippedLongAgo].sort());
    expect(archiveEvents.every((e) => e.actorKind === "SYSTEM" && e.actorUserId === null)).toBe(true);
    expect(archiveEvents[0]?.after).toMatchObject({ by: "retention", afterDays: 30 });

    for (const rows of oldEvents) {
      for (const [kind, id] of Object.entries(rows)) {
        const table = { event: "job_events", scan: "scan_records", audit: "audit_log", sent: "mail_log", pending: "mail_log", delivery: "webhook_deliveries" }[kind] ?? "";
        // Past 90 days everything goes, except a mail still waiting for its first attempt.
        expect(await exists(table, id), `${kind} 90 days + 1 min old`).toBe(kind === "pending");
      }
    }
    expect(await exists("job_events", youngEvents.event)).toBe(true);
    expect(await exists("scan_records", youngEvents.scan)).toBe(true);
    expect(await exists("audit_log", youngEvents.audit)).toBe(true);
    // 14 days + a minute: deliveries and sent mail go, events stay.
    expect(await exists("mail_log", oldDeliveries.sent)).toBe(false);
    expect(await exists("webhook_deliveries", oldDeliveries.delivery)).toBe(false);
    expect(await exists("mail_log", oldDeliveries.pending)).toBe(true);
    expect(await exists("job_events", oldDeliveries.event)).toBe(true);
    expect(await exists("mail_log", youngDeliveries.sent)).toBe(true);
    expect(await exists("webhook_deliveries", youngDeliveries.delivery)).toBe(true);
    // Another site's rows and the rows of no site are not this site's to prune.
    for (const [kind, id] of Object.entries(otherSite)) {
      const table = { event: "job_events", scan: "scan_records", audit: "audit_log", sent: "mail_log", pending: "mail_log", delivery: "webhook_deliveries" }[kind] ?? "";
      expect(await exists(table, id), `other site's ${kind}`).toBe(true);
    }
    expect(await exists("audit_log", unsited.id)).toBe(true);

    // A second run finds nothing left to do.
    expect(await applyRetention(harness.db.prisma, site.siteId, { ...SERVER, now: NOW, batchSize: 2 })).toEqual({
      archivedJobs: 0,
      jobEvents: 0,
      scanRecords: 0,
      auditRows: 0,
      mailLog: 0,
      webhookDeliveries: 0,
      intakeRuns: 0,
      clientMutations: 0,
      sessions: 0,
    });
    expect(await pruneUnsitedAudit(harness.db.prisma, { now: NOW, batchSize: 2 })).toBe(1);
    expect(await exists("audit_log", unsited.id)).toBe(false);
  });

  it("the hourly sweep runs retention for every site through the worker", async () => {
    const mine = await job(site, "CANCELLED", ago(31));
    const theirs = await job(other, "CANCELLED", ago(31));
    const worker = await startTestWorker(harness, testWorkerDeps(harness, undefined, { now: () => NOW }));
    try {
      await harness.db.pool.query(`SELECT graphile_worker.add_job('retention_sweep', '{}'::json)`);
      await eventually("both sites' old jobs archived", async () => {
        const rows = await harness.db.prisma.job.findMany({ where: { id: { in: [mine, theirs] }, archivedAt: { not: null } } });
        return rows.length === 2;
      });
      await eventually("every retention job done", async () => (await graphileJobs(harness)).length === 0);
    } finally {
      await worker.stop();
    }
  });
});

describe("retention of the server's bookkeeping", () => {
  // Each kind in a site of its own, so the counts are exactly these rows; `other` holds the same
  // kinds, all past their age, and keeps them.

  /** A station; `sameConsoleAs` makes it that station's console enrolled again (one installation). */
  async function station(fixture: SiteFixture, name: string, revokedAt: Date | null = null, sameConsoleAs?: string): Promise<string> {
    const installationId = sameConsoleAs
      ? (await harness.db.prisma.station.findUniqueOrThrow({ where: { id: sameConsoleAs } })).installationId
      : undefined;
    const row = await harness.db.prisma.station.create({
      data: { siteId: fixture.siteId, name, tokenHash: `retention-${name}-${fixture.siteId}`, revokedAt, ...(installationId ? { installationId } : {}) },
    });
    return row.id;
  }

  let mutationCounter = 0;
  /** A ledger entry of `stationId`, received at `receivedAt` and answered a second later (or never). */
  async function answer(fixture: SiteFixture, stationId: string, receivedAt: Date, answered = true): Promise<string> {
    const { installationId } = await harness.db.prisma.station.findUniqueOrThrow({ where: { id: stationId } });
    const row = await harness.db.prisma.clientMutation.create({
      data: {
        siteId: fixture.siteId,
        stationId,
        installationId,
        userId: fixture.users.STAFF.id,
        mutationId: `m-${++mutationCounter}`,
        type: "job.note",
        args: {},
        receivedAt,
        outcome: answered ? "APPLIED" : null,
        result: answered ? { v: 1 } : undefined,
        appliedAt: answered ? new Date(receivedAt.getTime() + 1_000) : null,
      },
    });
    return row.id;
  }

  it("keeps a console's stored answers until it cannot ask for them again, and never before CLIENT_MUTATION_RETENTION_DAYS", async () => {
    const fixture = await harness.createSite("Ledger Nord");
    const active = await station(fixture, "active");
    const away = await station(fixture, "away");
    const revoked = await station(fixture, "revoked", ago(20));
    const justBack = await station(fixture, "just back");

    // Answered 31 days ago; the console pushed later changes since (20 days ago): it had the answer.
    const landed = await answer(fixture, active, ago(31));
    const laterPush = await answer(fixture, active, ago(20));
    // Answered 29 days ago: younger than the retention, kept whatever happened since.
    const young = await answer(fixture, active, ago(29));
    // Answered 40 days ago, with a second change of the same push a minute later, and nothing since:
    // the console may have lost that push's answers and still be away.
    const awayFirst = await answer(fixture, away, ago(40));
    const awaySecond = await answer(fixture, away, ago(40, -MINUTE));
    // A revoked station's token is refused: it can never ask again.
    const ofRevoked = await answer(fixture, revoked, ago(31));
    // A station revoked and its console enrolled again: the new station may still ask for the answer.
    const reenrolledOld = await station(fixture, "enrolled again, old", ago(20));
    await station(fixture, "enrolled again, new", null, reenrolledOld);
    const ofReenrolled = await answer(fixture, reenrolledOld, ago(31));
    // The later push arrived half an hour ago: it may still be going on.
    const beforeReturn = await answer(fixture, justBack, ago(45));
    const returning = await answer(fixture, justBack, ago(0, 30 * MINUTE));
    // Never answered (a claim whose transaction is still open shows no outcome).
    const unanswered = await answer(fixture, revoked, ago(60), false);
    // Another site's: past every age, with later pushes; not this site's to prune.
    const otherStation = await station(other, "other active");
    const theirs = await answer(other, otherStation, ago(100));
    await answer(other, otherStation, ago(10));

    const result = await applyRetention(harness.db.prisma, fixture.siteId, { ...SERVER, now: NOW, batchSize: 1 });
    expect(result.clientMutations).toBe(2);
    const left = async (id: string) => exists("client_mutations", id);
    expect(await left(landed), "answered 31 days ago, later push 20 days ago").toBe(false);
    expect(await left(ofRevoked), "revoked station's").toBe(false);
    for (const [what, id] of Object.entries({ laterPush, young, awayFirst, awaySecond, beforeReturn, returning, unanswered, theirs, ofReenrolled })) {
      expect(await left(id), what).toBe(true);
    }
    expect((await applyRetention(harness.db.prisma, fixture.siteId, { ...SERVER, now: NOW, batchSize: 1 })).clientMutations).toBe(0);
    // Once the returning console's push is an hour old, its earlier answer goes too.
    const later = new Date(NOW.getTime() + HOUR);
    expect((await applyRetention(harness.db.prisma, fixture.siteId, { ...SERVER, now: later, batchSize: 1 })).clientMutations).toBe(1);
    expect(await left(beforeReturn)).toBe(false);
  });

  it("prunes intake run records past INTAKE_RUN_RETENTION_DAYS, keeping each source's newest finished run and running ones", async () => {
    const fixture = await harness.createSite("Runs Nord");
    const { prisma } = harness.db;
    const source = async (target: SiteFixture, name: string) =>
      (await prisma.intakeSource.create({ data: { siteId: target.siteId, name, kind: "storefront-json", baseUrl: "https://shop.example" } })).id;
    const run = async (target: SiteFixture, sourceId: string, status: "SUCCEEDED" | "FAILED" | "RUNNING" | "SKIPPED_LOCKED", days: number) =>
      (await prisma.intakeRun.create({ data: { siteId: target.siteId, sourceId, mode: "INCREMENTAL", status, startedAt: ago(days) } })).id;
    const busy = await source(fixture, "Busy");
    const quiet = await source(fixture, "Quiet");
    const doomed = [await run(fixture, busy, "SUCCEEDED", 40), await run(fixture, busy, "FAILED", 35), await run(fixture, busy, "SKIPPED_LOCKED", 50), await run(fixture, quiet, "SUCCEEDED", 60)];
    const recentOfBusy = await run(fixture, busy, "SUCCEEDED", 10);
    const newestOfQuiet = await run(fixture, quiet, "FAILED", 45);
    const stillRunning = await run(fixture, quiet, "RUNNING", 40);
    const letter = await prisma.intakeDeadLetter.create({
      data: { siteId: fixture.siteId, sourceId: busy, runId: doomed[0], externalId: "SO-1", payload: {}, reason: "quantity: expected number" },
    });
    const theirSource = await source(other, "Theirs");
    const theirs = [await run(other, theirSource, "SUCCEEDED", 100), await run(other, theirSource, "SUCCEEDED", 90)];

    const result = await applyRetention(harness.db.prisma, fixture.siteId, { ...SERVER, now: NOW, batchSize: 3 });
    expect(result.intakeRuns).toBe(4);
    for (const id of doomed) expect(await exists("intake_runs", id)).toBe(false);
    for (const id of [recentOfBusy, newestOfQuiet, stillRunning, ...theirs]) expect(await exists("intake_runs", id)).toBe(true);
    // The dead letter outlives its run's record.
    expect(await prisma.intakeDeadLetter.findUnique({ where: { id: letter.id } })).toMatchObject({ runId: null, status: "OPEN" });
  });

  it("deletes sessions SESSION_RETENTION_DAYS after they expired, revoked ones included, and no live one", async () => {
    const fixture = await harness.createSite("Sessions Nord");
    const session = async (target: SiteFixture, createdDays: number, expiresAt: Date, revokedAt: Date | null = null) => {
      const row = await harness.db.prisma.session.create({
        data: {
          siteId: target.siteId,
          userId: target.users.STAFF.id,
          tokenHash: `retention-session-${++mutationCounter}-${target.siteId}`,
          createdAt: ago(createdDays),
          lastSeenAt: ago(createdDays),
          expiresAt,
          revokedAt,
        },
      });
      return row.id;
    };
    const longExpired = await session(fixture, 40, ago(7, MINUTE));
    const revokedLongAgo = await session(fixture, 20, ago(9), ago(10));
    const recentlyExpired = await session(fixture, 20, ago(7, -MINUTE));
    const revokedRecently = await session(fixture, 3, ago(0, -HOUR), ago(1));
    const live = await session(fixture, 1, new Date(NOW.getTime() + HOUR));
    const theirs = await session(other, 100, ago(90));

    const result = await applyRetention(harness.db.prisma, fixture.siteId, { ...SERVER, now: NOW, batchSize: 1 });
    expect(result.sessions).toBe(2);
    expect(await exists("sessions", longExpired)).toBe(false);
    expect(await exists("sessions", revokedLongAgo)).toBe(false);
    for (const id of [recentlyExpired, revokedRecently, live, theirs]) expect(await exists("sessions", id)).toBe(true);
    // The fixture's own sessions (signed in today) are live and stay.
    expect(await harness.db.prisma.session.count({ where: { siteId: fixture.siteId, id: { notIn: [recentlyExpired, revokedRecently, live] } } })).toBe(3);
  });
});

describe("retention settings", () => {
  it("leads read them, admins change them (audited), within bounds", async () => {
    expect(await site.as.LEAD.retention.settings()).toEqual({ archiveAfterDays: 30, pruneEventsAfterDays: 90, pruneDeliveriesAfterDays: 14 });
    expect((await refusalOf(site.as.LEAD.retention.update({ archiveAfterDays: 10 }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.ADMIN.retention.update({ archiveAfterDays: 0 }))).code).toBe("BAD_REQUEST");
    const updated = await site.as.ADMIN.retention.update({ archiveAfterDays: 10, pruneDeliveriesAfterDays: 7 });
    expect(updated).toEqual({ archiveAfterDays: 10, pruneEventsAfterDays: 90, pruneDeliveriesAfterDays: 7 });
    expect(await other.as.LEAD.retention.settings()).toMatchObject({ archiveAfterDays: 30 });
    const audit = await harness.db.prisma.auditLog.findFirst({ where: { siteId: site.siteId, action: "retention.update" } });
    expect(audit?.details).toMatchObject({ before: { archiveAfterDays: 30 }, after: { archiveAfterDays: 10 } });
  });
});
