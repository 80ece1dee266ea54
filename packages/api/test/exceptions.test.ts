// exceptions.list: the derived list of what needs a person, one kind at a time, and only while
// the cause lasts.
import { ExceptionKind } from "@orderdeck/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { insertJob } from "./jobs-fixtures.ts";
import { apiHarnessForFile } from "./harness.ts";

const HOUR = 3_600_000;
const ids: Record<string, string> = {};

const harness = await apiHarnessForFile();
const site = await harness.createSite("Exceptions");
const other = await harness.createSite("Exceptions elsewhere");

beforeAll(async () => {
  const prisma = harness.db.prisma;
  await prisma.site.update({ where: { id: site.siteId }, data: { slaWarnHours: 24, slaBreachHours: 72 } });
  const now = Date.now();

  ids.overdue = (await insertJob(harness, site, { status: "IN_PROGRESS", title: "Late gear", dueAt: new Date(now - 5 * HOUR) })).id;
  ids.dueLater = (await insertJob(harness, site, { status: "QUEUED", title: "Fine gear", dueAt: new Date(now + 5 * HOUR) })).id;
  ids.closedLate = (await insertJob(harness, site, { status: "PICKED_UP", title: "Collected late", dueAt: new Date(now - 50 * HOUR) })).id;
  ids.old = (await insertJob(harness, site, { status: "ON_HOLD", title: "Forgotten", createdAt: new Date(now - 100 * HOUR) })).id;
  ids.readyUnpaid = (await insertJob(harness, site, { status: "READY_FOR_PICKUP", title: "Unpaid sign", paymentStatus: "UNPAID" })).id;
  ids.readyPaid = (await insertJob(harness, site, { status: "READY_FOR_PICKUP", title: "Paid sign", paymentStatus: "PAID" })).id;
  // A failure through the API, so the time it failed comes from its event.
  const printing = await site.as.STAFF.jobs.create({ title: "Warped vase" });
  await site.as.STAFF.jobs.transition({ id: printing.id, to: "IN_PROGRESS" });
  await site.as.STAFF.jobs.transition({ id: printing.id, to: "FAILED" });
  ids.failed = printing.id;

  ids.mail = (
    await prisma.mailLog.create({
      data: { siteId: site.siteId, kind: "INVOICE", to: "a@example.com", subject: "Your invoice", jobId: ids.readyUnpaid, status: "GAVE_UP", attempts: 8, lastError: "550 mailbox unavailable" },
    })
  ).id;
  await prisma.mailLog.create({ data: { siteId: site.siteId, kind: "RECEIPT", to: "b@example.com", subject: "Receipt", status: "SENT", attempts: 1 } });
  const endpoint = await prisma.webhookEndpoint.create({ data: { siteId: site.siteId, url: "https://example.com/hook", secret: "s3cret" } });
  ids.webhook = (
    await prisma.webhookDelivery.create({
      data: { siteId: site.siteId, endpointId: endpoint.id, eventType: "job.status_changed", payload: {}, status: "GAVE_UP", attempts: 10, responseStatus: 503 },
    })
  ).id;
  await prisma.webhookDelivery.create({ data: { siteId: site.siteId, endpointId: endpoint.id, eventType: "job.created", payload: {}, status: "FAILED", attempts: 2 } });
  const source = await prisma.intakeSource.create({ data: { siteId: site.siteId, name: "Storefront", kind: "storefront-json", baseUrl: "https://shop.example.com" } });
  ids.deadLetter = (
    await prisma.intakeDeadLetter.create({ data: { siteId: site.siteId, sourceId: source.id, externalId: "order-77", payload: {}, reason: "quantity is not a number" } })
  ).id;
  await prisma.intakeDeadLetter.create({ data: { siteId: site.siteId, sourceId: source.id, payload: {}, reason: "fixed", status: "RESOLVED", resolvedAt: new Date(now) } });
  ids.conflict = (
    await prisma.scanRecord.create({ data: { siteId: site.siteId, stationId: site.stationId, code: "ABCDE23456", outcome: "CONFLICT", jobId: ids.closedLate } })
  ).id;
  await prisma.scanRecord.create({
    data: { siteId: site.siteId, code: "ABCDE23457", outcome: "CONFLICT", serverTime: new Date(now - 30 * 24 * HOUR) },
  });
  await prisma.scanRecord.create({ data: { siteId: site.siteId, code: "ABCDE23458", outcome: "HANDED_OVER", jobId: ids.readyPaid } });

  // The other site has one of everything too; none of it may show.
  await insertJob(harness, other, { status: "FAILED", title: "Theirs failed", dueAt: new Date(now - HOUR), createdAt: new Date(now - 500 * HOUR) });
  await insertJob(harness, other, { status: "READY_FOR_PICKUP", title: "Theirs unpaid" });
});

describe("exceptions.list", () => {
  it("lists each kind of trouble with its job, since when, and a message a person can act on", async () => {
    const list = await site.as.STAFF.exceptions.list({});
    const byKind = (kind: ExceptionKind) => list.items.filter((e) => e.kind === kind);

    expect(byKind("OVERDUE").map((e) => e.job?.id)).toEqual([ids.overdue]);
    expect(byKind("OVERDUE")[0]?.message).toMatch(/was due .* ago and is still IN_PROGRESS/);
    expect(byKind("SLA_BREACH").map((e) => e.job?.id)).toEqual([ids.old]);
    expect(byKind("SLA_BREACH")[0]?.message).toContain("72 h");
    expect(byKind("READY_UNPAID").map((e) => e.job?.id)).toEqual([ids.readyUnpaid]);
    expect(byKind("READY_UNPAID")[0]?.message).toMatch(/collect payment/);
    expect(byKind("FAILED_PRINT").map((e) => e.job?.id)).toEqual([ids.failed]);
    const failedAt = await harness.db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: ids.failed, type: "status_changed" }, orderBy: { at: "desc" } });
    expect(byKind("FAILED_PRINT")[0]?.since).toBe(failedAt.at.toISOString());
    expect(byKind("MAIL_FAILED")).toEqual([expect.objectContaining({ refId: ids.mail, job: expect.objectContaining({ id: ids.readyUnpaid }) })]);
    expect(byKind("MAIL_FAILED")[0]?.message).toMatch(/8 attempts: 550 mailbox unavailable/);
    expect(byKind("WEBHOOK_FAILED").map((e) => e.refId)).toEqual([ids.webhook]);
    expect(byKind("WEBHOOK_FAILED")[0]?.message).toContain("HTTP 503");
    expect(byKind("INTAKE_DEAD_LETTER").map((e) => e.refId)).toEqual([ids.deadLetter]);
    expect(byKind("INTAKE_DEAD_LETTER")[0]?.message).toMatch(/Storefront order-77.*quantity is not a number/);
    expect(byKind("PICKUP_CONFLICT").map((e) => e.refId)).toEqual([ids.conflict]);

    for (const kind of ExceptionKind.options) expect(list.counts[kind], kind).toBe(byKind(kind).length);
    expect(list.truncated).toEqual([]);
    expect(list.items.every((e) => !e.job?.title.startsWith("Theirs"))).toBe(true);
  });

  it("an exception goes away when its cause is dealt with", async () => {
    await site.as.STAFF.jobs.transition({ id: ids.failed as string, to: "QUEUED" });
    await harness.db.prisma.job.update({ where: { id: ids.readyUnpaid }, data: { paymentStatus: "PAID" } });
    const list = await site.as.STAFF.exceptions.list({ kinds: ["FAILED_PRINT", "READY_UNPAID"] });
    expect(list.items).toEqual([]);
    expect(list.counts.FAILED_PRINT).toBe(0);
  });

  it("lists at most perKind entries of a kind and says which kinds were cut", async () => {
    for (let i = 0; i < 3; i++) await insertJob(harness, site, { status: "QUEUED", dueAt: new Date(Date.now() - (i + 10) * HOUR) });
    const list = await site.as.STAFF.exceptions.list({ kinds: ["OVERDUE"], perKind: 2 });
    expect(list.items).toHaveLength(2);
    expect(list.counts.OVERDUE).toBe(4);
    expect(list.truncated).toEqual(["OVERDUE"]);
    // Oldest first: the longest overdue is the most urgent.
    expect(new Date(list.items[0]?.since as string).getTime()).toBeLessThan(new Date(list.items[1]?.since as string).getTime());
  });
});
