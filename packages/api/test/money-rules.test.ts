// The money rules hold whatever the role and whatever the path: a job that owes money cannot be
// made cheaper, switched to another currency or to shipping by STAFF; a payment of 0 settles
// nothing; and a job leaves by shipping only paid or waived, like at the counter: through
// jobs.transition, a lead's bulk status change and a console's replayed outbox alike.
import { randomUUID } from "node:crypto";
import { DomainError, type SyncMutationEnvelope } from "@orderdeck/contracts";
import { inSite } from "@orderdeck/db";
import { describe, expect, it } from "vitest";
import { recordPayment } from "../src/payments/service.ts";
import { apiHarnessForFile, detailsOf, refusalOf } from "./harness.ts";
import { addPickupJob, fingerprint } from "./pickup-helpers.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Money rules");

const cash = (jobId: string, amountCents: number) => ({ jobId, provider: "cash", providerReference: randomUUID(), amountCents, currency: "EUR" });

async function jobRow(id: string) {
  return harness.db.prisma.job.findUniqueOrThrow({ where: { id } });
}

async function eventsOf(id: string) {
  return harness.db.prisma.jobEvent.findMany({ where: { jobId: id }, orderBy: [{ at: "asc" }, { id: "asc" }] });
}

function transitionMutation(args: { id: string; version: number; to: "SHIPPED" }): SyncMutationEnvelope {
  return { id: randomUUID(), type: "job.transition", args, clientTime: new Date().toISOString() };
}

describe("what a job costs and how it leaves, while it owes money", () => {
  it("STAFF cannot lower the price, change the currency or the fulfilment; the refusal says why and who can; nothing changes", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Lamp shade", priceCents: 2_500 });
    const before = await fingerprint(harness);
    const attempts = [
      { change: { priceCents: 0 }, words: "lowering its price from €25.00 to €0.00" },
      { change: { priceCents: 2_499 }, words: "lowering its price from €25.00 to €24.99" },
      { change: { currency: "USD" }, words: "changing its currency from EUR to USD" },
      { change: { fulfilment: "SHIP" as const }, words: "changing its fulfilment from PICKUP to SHIP" },
    ];
    for (const { change, words } of attempts) {
      const refused = await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, ...change }));
      expect(refused.code, words).toBe("FORBIDDEN");
      expect(refused.message, words).toContain(`still owes €25.00: ${words} needs the LEAD role; you are signed in as STAFF. Ask a lead`);
      expect(detailsOf(refused)).toMatchObject({ needs: "LEAD", amountDueCents: 2_500 });
    }
    // Two at once: both named in one refusal.
    const both = await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, priceCents: 0, fulfilment: "SHIP", title: "Free lamp" }));
    expect(both.message).toContain("lowering its price from €25.00 to €0.00 and changing its fulfilment from PICKUP to SHIP needs the LEAD role");
    expect(await fingerprint(harness)).toBe(before);
  });

  it("what is still owed counts: part paid, the rest is guarded; raising the price and other fields are anyone's", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Bracket set", priceCents: 2_500 });
    await site.as.STAFF.payments.record(cash(job.id, 1_000));
    const refused = await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, priceCents: 1_000 }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toContain("still owes €15.00");
    const raised = await site.as.STAFF.jobs.update({ id: job.id, version: job.version, priceCents: 3_000, title: "Bracket set (bigger)" });
    expect(raised).toMatchObject({ priceCents: 3_000, title: "Bracket set (bigger)" });
  });

  it("a job that owes nothing (paid or waived) may change for anyone", async () => {
    const paid = await addPickupJob(harness, site, { status: "QUEUED", paymentStatus: "PAID", priceCents: 2_500 });
    const waived = await addPickupJob(harness, site, { status: "QUEUED", paymentStatus: "WAIVED", priceCents: 2_500 });
    expect(await site.as.STAFF.jobs.update({ id: paid.id, version: 1, fulfilment: "SHIP" })).toMatchObject({ fulfilment: "SHIP" });
    expect(await site.as.STAFF.jobs.update({ id: waived.id, version: 1, priceCents: 0, currency: "CHF" })).toMatchObject({ priceCents: 0, currency: "CHF" });
  });

  it("a LEAD makes the change, and the job's timeline shows it with who made it", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Goodwill remake", priceCents: 4_000 });
    const lowered = await site.as.LEAD.jobs.update({ id: job.id, version: job.version, priceCents: 1_000, fulfilment: "SHIP" });
    expect(lowered).toMatchObject({ priceCents: 1_000, fulfilment: "SHIP" });
    const { timeline } = await site.as.STAFF.jobs.get({ id: job.id });
    const change = timeline.find((e) => e.type === "updated");
    expect(change).toMatchObject({
      before: { priceCents: 4_000, fulfilment: "PICKUP" },
      after: { priceCents: 1_000, fulfilment: "SHIP" },
      actor: { kind: "USER", userId: site.users.LEAD.id },
    });
    expect(change?.actor.userName).toMatch(/^LEAD of /);
  });
});

describe("a payment of 0 settles nothing", () => {
  it("is refused, also for a job whose price is 0, so the job cannot hand over as paid", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Free sample", priceCents: 2_500 });
    await site.as.LEAD.jobs.update({ id: job.id, version: job.version, priceCents: 0 });
    for (const amountCents of [0, -1]) {
      const refused = await refusalOf(site.as.STAFF.payments.record(cash(job.id, amountCents)));
      expect(refused.code, String(amountCents)).toBe("BAD_REQUEST");
      expect(refused.message, String(amountCents)).toContain("A payment must be more than 0; enter the amount received.");
    }
    // However the service is reached.
    const direct = inSite(harness.db.prisma, site.siteId, (tx) =>
      recordPayment(tx, { siteId: site.siteId, jobId: job.id, provider: "cash", providerReference: randomUUID(), amountCents: 0, currency: "EUR", actor: { kind: "SYSTEM" } }),
    );
    await expect(direct).rejects.toThrow(DomainError);
    await expect(direct).rejects.toMatchObject({ reason: "VALIDATION_FAILED" });
    expect(await harness.db.prisma.payment.count({ where: { jobId: job.id } })).toBe(0);
    expect((await jobRow(job.id)).paymentStatus).toBe("UNPAID");
  });
});

describe("shipping is a handover: paid or waived first", () => {
  it("READY_FOR_PICKUP → SHIPPED of an unpaid job is refused for every role, in the pickup's words", async () => {
    const job = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", fulfilment: "SHIP", paymentStatus: "UNPAID", priceCents: 2_500 });
    const label = `J-${String(job.number).padStart(6, "0")}`;
    const before = await fingerprint(harness);
    for (const role of ["STAFF", "LEAD", "ADMIN"] as const) {
      const refused = await refusalOf(site.as[role].jobs.transition({ id: job.id, to: "SHIPPED" }));
      expect(refused.code, role).toBe("PRECONDITION_FAILED");
      expect(refused.message, role).toBe(`${label} is not paid: collect €25.00 first, then ship it.`);
      expect(detailsOf(refused), role).toMatchObject({ paymentStatus: "UNPAID", amountDueCents: 2_500 });
    }
    expect(await fingerprint(harness)).toBe(before);
  });

  it("a lead's bulk status change refuses that row with the same reason, and ships the paid one", async () => {
    const unpaid = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", fulfilment: "SHIP", paymentStatus: "UNPAID", priceCents: 1_800 });
    const paid = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", fulfilment: "SHIP", paymentStatus: "PAID", priceCents: 1_800 });
    const result = await site.as.LEAD.jobs.bulk({ ids: [unpaid.id, paid.id], action: { type: "status", to: "SHIPPED" } });
    expect(result.results).toEqual([
      { id: unpaid.id, ok: false, reason: "UNPAID", message: expect.stringContaining("is not paid: collect €18.00 first, then ship it.") },
      { id: paid.id, ok: true },
    ]);
    expect((await jobRow(unpaid.id)).status).toBe("READY_FOR_PICKUP");
    expect((await jobRow(paid.id)).status).toBe("SHIPPED");
  });

  it("a console's replayed outbox is rejected with the same reason; once waived, the job ships and the timeline says who", async () => {
    const job = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", fulfilment: "SHIP", paymentStatus: "REFUNDED", priceCents: 900 });
    const { results } = await site.as.STAFF.sync.push({ mutations: [transitionMutation({ id: job.id, version: 1, to: "SHIPPED" })] });
    expect(results[0]).toMatchObject({ status: "rejected", reason: "UNPAID", message: expect.stringContaining("was refunded: collect €9.00 first, then ship it."), job: { status: "READY_FOR_PICKUP" } });

    await site.as.LEAD.payments.waive({ jobId: job.id, reason: "Sent a replacement for a broken part" });
    const shipped = await site.as.STAFF.sync.push({ mutations: [transitionMutation({ id: job.id, version: 2, to: "SHIPPED" })] });
    expect(shipped.results[0]).toMatchObject({ status: "applied", job: { status: "SHIPPED" } });
    const events = await eventsOf(job.id);
    expect(events.map((e) => [e.type, e.actorUserId])).toEqual([
      ["payment_waived", site.users.LEAD.id],
      ["status_changed", site.users.STAFF.id],
    ]);
  });

  it("the walk the hole took — STAFF switches to shipping, prices at 0, records 0 and ships — is stopped at each step", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Expensive part", priceCents: 12_000 });
    expect((await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, fulfilment: "SHIP" }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, priceCents: 0 }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.payments.record(cash(job.id, 0)))).code).toBe("BAD_REQUEST");
    // Even when a lead made it a shipping job, it does not leave unpaid.
    const shipping = await site.as.LEAD.jobs.update({ id: job.id, version: job.version, fulfilment: "SHIP" });
    let version = shipping.version;
    for (const to of ["IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP"] as const) {
      version = (await site.as.STAFF.jobs.transition({ id: job.id, version, to })).version;
    }
    const refused = await refusalOf(site.as.STAFF.jobs.transition({ id: job.id, version, to: "SHIPPED" }));
    expect(refused.message).toContain("is not paid: collect €120.00 first, then ship it.");
    await site.as.STAFF.payments.record(cash(job.id, 12_000));
    expect(await site.as.STAFF.jobs.transition({ id: job.id, to: "SHIPPED" })).toMatchObject({ status: "SHIPPED", paymentStatus: "PAID" });
  });
});
