// Retention archives and prunes exactly the rows past their age (each site by its own settings,
// no other site's rows), in batches; the hourly sweep runs it for every site through the worker.
import { generatePickupCode, type JobStatus } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRetention, pruneUnsitedAudit } from "../src/retention/service.ts";
import { eventually, graphileJobs, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { createApiHarness, refusalOf, type ApiHarness, type SiteFixture } from "./harness.ts";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const ago = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY - extraMs);
const MINUTE = 60_000;

let harness: ApiHarness;
let site: SiteFixture;
let other: SiteFixture;

beforeAll(async () => {
  harness = await createApiHarness();
  site = await harness.createSite("Retention Ost");
  other = await harness.createSite("Retention West");
  for (const fixture of [site, other]) {
    await harness.db.prisma.site.update({
      where: { id: fixture.siteId },
      data: { archiveAfterDays: 30, pruneEventsAfterDays: 90, pruneDeliveriesAfterDays: 14 },
    });
  }
});

afterAll(async () => harness.drop());

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
    const result = await applyRetention(harness.db.prisma, site.siteId, { now: NOW, batchSize: 2 });
    // Three sets past 90 days; the mail and deliveries of the set just under 90 days and of the set
    // just past 14 days too.
    expect(result).toEqual({ archivedJobs: 3, jobEvents: 3, scanRecords: 3, auditRows: 3, mailLog: 5, webhookDeliveries: 5 });

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
    expect(await applyRetention(harness.db.prisma, site.siteId, { now: NOW, batchSize: 2 })).toEqual({
      archivedJobs: 0,
      jobEvents: 0,
      scanRecords: 0,
      auditRows: 0,
      mailLog: 0,
      webhookDeliveries: 0,
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
