// Storefront orders paid online arrive paid: a real fake storefront that reports payments, synced
// by intake.runNow, then the counter's real pickup service. A paid order hands over without taking
// money at the counter (its receipt is issued then, for the storefront's payment); a pending one
// is collected at the counter; a refund at the storefront makes the job collectable again; a
// repeated sync records nothing twice.
import { randomUUID } from "node:crypto";
import { formatPickupCode, type DomainError } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarnessForFile, detailsOf, refusalOf } from "./harness.ts";
import { addFeed, stopFeeds, writesFingerprint, type FeedFixture } from "./intake-helpers.ts";

let feed: FeedFixture;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Paid Online");

beforeAll(async () => {
  // Orders SO-100001…SO-100008: the fourth and eighth pending, the others paid online.
  feed = await addFeed(harness, site, { orders: 8, pageSize: 3, payments: true, seed: 4_242 });
});

afterAll(async () => {
  await stopFeeds();
});

async function sync(mode: "INCREMENTAL" | "FULL" = "INCREMENTAL") {
  const outcome = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId, mode });
  expect(outcome.status, outcome.message).toBe("SUCCEEDED");
  return outcome.run;
}

async function jobOf(externalId: string) {
  return harness.db.prisma.job.findFirstOrThrow({ where: { siteId: site.siteId, externalId }, include: { payments: true } });
}

/** Through the floor's own transitions, to the pickup shelf. */
async function makeReady(jobId: string) {
  for (const to of ["IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP"] as const) await site.as.STAFF.jobs.transition({ id: jobId, to });
}

function scan(code: string) {
  return site.as.STAFF.pickup.confirm({ code: formatPickupCode(code), clientMutationId: randomUUID(), scannedAt: new Date().toISOString() });
}

describe("storefront payments", () => {
  it("a paid order arrives PAID with its payment (the order's price, the storefront's reference); a pending one UNPAID", async () => {
    await sync();
    const paid = await jobOf("SO-100001");
    const order = feed.store.control.get("SO-100001");
    expect(paid.paymentStatus).toBe("PAID");
    expect(paid.payments).toEqual([
      expect.objectContaining({
        provider: "stripe",
        providerReference: "pi_4242_SO-100001",
        amountCents: order?.price_cents,
        currency: "EUR",
        receivedAt: new Date(order?.payment?.paid_at ?? ""),
        recordedById: null,
      }),
    ]);
    const pending = await jobOf("SO-100004");
    expect(pending).toMatchObject({ paymentStatus: "UNPAID", payments: [] });
    expect(await harness.db.prisma.payment.count({ where: { siteId: site.siteId } })).toBe(6);
    // No receipt yet: the handover issues it.
    expect(await harness.db.prisma.receipt.count({ where: { siteId: site.siteId } })).toBe(0);
  });

  it("a repeated sync, incremental or full, writes nothing", async () => {
    const before = await writesFingerprint(harness, site.siteId);
    const payments = await harness.db.prisma.payment.count({ where: { siteId: site.siteId } });
    expect((await sync()).rowsSeen).toBe(0);
    const full = await sync("FULL");
    expect(full).toMatchObject({ rowsSeen: 8, rowsUnchanged: 8, rowsInserted: 0, rowsUpdated: 0 });
    expect(await writesFingerprint(harness, site.siteId)).toBe(before);
    expect(await harness.db.prisma.payment.count({ where: { siteId: site.siteId } })).toBe(payments);
  });

  it("a paid order is handed over at the counter without taking money, with a receipt for the storefront's payment", async () => {
    const job = await jobOf("SO-100002");
    await makeReady(job.id);
    const answer = await scan(job.pickupCode);
    expect(answer.outcome).toBe("HANDED_OVER");
    expect(answer.receiptsIssued).toBe(1);
    expect(answer.receipts).toEqual([expect.objectContaining({ paymentId: job.payments[0]?.id, amountCents: job.priceCents })]);
    expect((await jobOf("SO-100002")).status).toBe("PICKED_UP");
  });

  it("a pending order is collected at the counter, and once paid online later it arrives paid", async () => {
    const job = await jobOf("SO-100004");
    await makeReady(job.id);
    const refused = await refusalOf(scan(job.pickupCode));
    expect((refused.cause as DomainError).reason).toBe("UNPAID");
    expect(detailsOf(refused)).toMatchObject({ amountDueCents: job.priceCents });

    feed.store.control.updateOrder("SO-100004", { payment: { status: "paid", provider: "stripe", reference: "pi_4242_late", paid_at: new Date().toISOString() } });
    expect(await sync()).toMatchObject({ rowsUpdated: 1 });
    expect(await jobOf("SO-100004")).toMatchObject({ paymentStatus: "PAID", payments: [expect.objectContaining({ providerReference: "pi_4242_late" })] });
    expect((await scan(job.pickupCode)).outcome).toBe("HANDED_OVER");
  });

  it("a refund at the storefront makes the job REFUNDED: collected at the counter again", async () => {
    const job = await jobOf("SO-100003");
    await makeReady(job.id);
    const paidAt = feed.store.control.get("SO-100003")?.payment?.paid_at ?? null;
    feed.store.control.updateOrder("SO-100003", { payment: { status: "refunded", provider: "stripe", reference: "pi_4242_SO-100003", paid_at: paidAt } });
    await sync();
    const refunded = await jobOf("SO-100003");
    expect(refunded.paymentStatus).toBe("REFUNDED");
    const events = await harness.db.prisma.jobEvent.findMany({ where: { jobId: job.id, type: { in: ["payment_recorded", "payment_refunded"] } }, orderBy: { at: "asc" } });
    expect(events.map((e) => [e.type, e.actorKind])).toEqual([
      ["payment_recorded", "SYSTEM"],
      ["payment_refunded", "SYSTEM"],
    ]);
    const refused = await refusalOf(scan(job.pickupCode));
    expect((refused.cause as DomainError).reason).toBe("UNPAID");
    expect(detailsOf(refused)).toMatchObject({ paymentStatus: "REFUNDED", amountDueCents: job.priceCents });
  });

  it("a refund after the handover is flagged for a person, not applied", async () => {
    const paidAt = feed.store.control.get("SO-100002")?.payment?.paid_at ?? null;
    feed.store.control.updateOrder("SO-100002", { payment: { status: "refunded", provider: "stripe", reference: "pi_4242_SO-100002", paid_at: paidAt } });
    expect(await sync()).toMatchObject({ rowsFlagged: 1 });
    expect((await jobOf("SO-100002")).paymentStatus).toBe("PAID");
    const letter = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { sourceId: feed.sourceId, externalId: "SO-100002", kind: "CONFLICT" } });
    expect(letter.reason).toContain("the storefront reports the order refunded (stripe pi_4242_SO-100002), but the job is PICKED_UP");
  });
});
