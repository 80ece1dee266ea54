// payments.record (idempotent on the provider reference), waive / refund, and the invoice
// rules: one current invoice per job price, who may do what, and refusals that change nothing.
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { apiHarnessForFile } from "./harness.ts";
import { addJob, codeOf, countRows } from "./money-helpers.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Payments A");
const other = await harness.createSite("Payments B");
async function moneyRows(jobId: string) {
  return {
    payments: await countRows(harness, "payments", jobId),
    receipts: await countRows(harness, "receipts", jobId),
    invoices: await countRows(harness, "invoices", jobId),
    events: await countRows(harness, "job_events", jobId),
    job: await harness.db.prisma.job.findUniqueOrThrow({ where: { id: jobId }, select: { paymentStatus: true, version: true } }),
  };
}

const cash = (jobId: string, providerReference: string, amountCents = 2_500) => ({
  jobId,
  provider: "card-terminal",
  providerReference,
  amountCents,
  currency: "EUR",
});

describe("payments.record", () => {
  it("20 concurrent confirmations with one reference make one payment, one receipt, one event", async () => {
    const job = await addJob(harness, site, { priceCents: 2_500 });
    const results = await Promise.all(Array.from({ length: 20 }, () => site.as.STAFF.payments.record(cash(job.id, "TX-CONCURRENT-1"))));

    expect(new Set(results.map((r) => r.payment.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.receipt?.id)).size).toBe(1);
    expect(results.filter((r) => !r.alreadyRecorded)).toHaveLength(1);
    expect(results.every((r) => r.job.paymentStatus === "PAID")).toBe(true);
    const rows = await moneyRows(job.id);
    expect(rows).toMatchObject({ payments: 1, receipts: 1, events: 1, job: { paymentStatus: "PAID" } });
    expect(await countRows(harness, "job_events", job.id, "payment_recorded")).toBe(1);
  });

  it("a repeated confirmation returns the first payment and changes nothing", async () => {
    const job = await addJob(harness, site, { priceCents: 2_500 });
    const first = await site.as.STAFF.payments.record(cash(job.id, "TX-REPEAT-1"));
    const before = await moneyRows(job.id);
    const again = await site.as.LEAD.payments.record(cash(job.id, "TX-REPEAT-1"));
    expect(again.alreadyRecorded).toBe(true);
    expect(again.payment).toEqual(first.payment);
    expect(again.receipt).toEqual(first.receipt);
    expect(await moneyRows(job.id)).toEqual(before);
  });

  it("refuses a reference reused for another job, amount, currency or provider, or at another site", async () => {
    const job = await addJob(harness, site, { priceCents: 2_500 });
    const otherJob = await addJob(harness, site, { priceCents: 2_500 });
    await site.as.STAFF.payments.record({ ...cash(job.id, "TX-REUSE-1"), amountCents: 1_000 });
    const before = [await moneyRows(job.id), await moneyRows(otherJob.id)];

    expect(await codeOf(site.as.STAFF.payments.record({ ...cash(otherJob.id, "TX-REUSE-1"), amountCents: 1_000 }))).toBe("CONFLICT");
    expect(await codeOf(site.as.STAFF.payments.record({ ...cash(job.id, "TX-REUSE-1"), amountCents: 1_500 }))).toBe("CONFLICT");
    expect(await codeOf(site.as.STAFF.payments.record({ ...cash(job.id, "TX-REUSE-1"), amountCents: 1_000, provider: "cash" }))).toBe("CONFLICT");
    const foreignJob = await addJob(harness, other, { priceCents: 1_000 });
    expect(await codeOf(other.as.STAFF.payments.record({ ...cash(foreignJob.id, "TX-REUSE-1"), amountCents: 1_000 }))).toBe("CONFLICT");

    expect([await moneyRows(job.id), await moneyRows(otherJob.id)]).toEqual(before);
    expect(await moneyRows(foreignJob.id)).toMatchObject({ payments: 0, receipts: 0, events: 0, job: { paymentStatus: "UNPAID" } });
  });

  it("adds up partial payments: a receipt for each, PAID when the price is covered", async () => {
    const job = await addJob(harness, site, { priceCents: 10_000 });
    const deposit = await site.as.STAFF.payments.record(cash(job.id, "TX-DEPOSIT-1", 4_000));
    expect(deposit.job).toMatchObject({ paymentStatus: "UNPAID", paidCents: 4_000, priceCents: 10_000 });
    expect(deposit.receipt?.amountCents).toBe(4_000);
    const rest = await site.as.STAFF.payments.record(cash(job.id, "TX-REST-1", 6_000));
    expect(rest.job).toMatchObject({ paymentStatus: "PAID", paidCents: 10_000 });
    expect(rest.receipt?.number).not.toBe(deposit.receipt?.number);
    expect(await moneyRows(job.id)).toMatchObject({ payments: 2, receipts: 2, events: 2 });
    const listed = await site.as.STAFF.payments.listForJob({ jobId: job.id });
    expect(listed.map((p) => p.providerReference)).toEqual(["TX-DEPOSIT-1", "TX-REST-1"]);
    expect((await site.as.STAFF.receipts.listForJob({ jobId: job.id })).map((r) => r.amountCents).sort()).toEqual([4_000, 6_000]);
  });

  it("writes the event with who, what and the request", async () => {
    const job = await addJob(harness, site, { priceCents: 700 });
    const result = await site.as.STAFF.payments.record(cash(job.id, "TX-EVENT-1", 700));
    const event = await harness.db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: job.id } });
    expect(event).toMatchObject({ type: "payment_recorded", actorKind: "USER", actorUserId: site.users.STAFF.id, actorStationId: site.stationId });
    expect(event.requestId).toMatch(/^test-/);
    expect(event.before).toEqual({ paymentStatus: "UNPAID", paidCents: 0 });
    expect(event.after).toMatchObject({ paymentStatus: "PAID", paidCents: 700, paymentId: result.payment.id, receipt: result.receipt?.number });
  });

  it("refuses payments that do not fit the job, changing nothing", async () => {
    const paid = await addJob(harness, site, { priceCents: 500 });
    await site.as.STAFF.payments.record(cash(paid.id, "TX-FIT-1", 500));
    const cancelled = await addJob(harness, site, { status: "CANCELLED" });
    const unpaid = await addJob(harness, site, { priceCents: 500 });
    const snapshot = async () => [await moneyRows(paid.id), await moneyRows(cancelled.id), await moneyRows(unpaid.id)];
    const before = await snapshot();

    expect(await codeOf(site.as.STAFF.payments.record(cash(paid.id, "TX-FIT-2", 500)))).toBe("CONFLICT");
    expect(await codeOf(site.as.STAFF.payments.record(cash(cancelled.id, "TX-FIT-3", 500)))).toBe("PRECONDITION_FAILED");
    expect(await codeOf(site.as.STAFF.payments.record({ ...cash(unpaid.id, "TX-FIT-4", 500), currency: "USD" }))).toBe("BAD_REQUEST");
    expect(await codeOf(site.as.STAFF.payments.record(cash(unpaid.id, "TX-FIT-5", 0)))).toBe("BAD_REQUEST");
    expect(await snapshot()).toEqual(before);
  });

  it("validates input with zod: bad amounts, currencies, providers and references are BAD_REQUEST", async () => {
    const job = await addJob(harness, site, { priceCents: 500 });
    const before = await moneyRows(job.id);
    const bad = [
      { amountCents: -1 },
      { amountCents: 100_000_001 },
      { amountCents: 1.5 },
      { amountCents: Number.NaN },
      { currency: "eur" },
      { currency: "EURO" },
      { provider: "p".repeat(41) },
      { provider: "" },
      { providerReference: "r".repeat(121) },
      { providerReference: "nul\u0000byte" },
      { providerReference: "   " },
      { jobId: "not-a-uuid" },
    ];
    for (const override of bad) {
      expect(await codeOf(site.as.STAFF.payments.record({ ...cash(job.id, "TX-VALID-1", 500), ...override })), JSON.stringify(override)).toBe("BAD_REQUEST");
    }
    expect(await moneyRows(job.id)).toEqual(before);
    // The largest allowed amount is accepted.
    const big = await addJob(harness, site, { priceCents: 100_000_000 });
    expect((await site.as.STAFF.payments.record(cash(big.id, "TX-VALID-MAX", 100_000_000))).job.paymentStatus).toBe("PAID");
  });
});

describe("payments.waive and payments.refund", () => {
  it("a lead waives an unpaid job once; staff may not", async () => {
    const job = await addJob(harness, site, { priceCents: 900 });
    expect(await codeOf(site.as.STAFF.payments.waive({ jobId: job.id, reason: "Reprint of a failed part" }))).toBe("FORBIDDEN");
    const waived = await site.as.LEAD.payments.waive({ jobId: job.id, reason: "Reprint of a failed part" });
    expect(waived).toMatchObject({ changed: true, job: { paymentStatus: "WAIVED" } });
    const again = await site.as.ADMIN.payments.waive({ jobId: job.id, reason: "again" });
    expect(again.changed).toBe(false);
    expect(await countRows(harness, "job_events", job.id, "payment_waived")).toBe(1);
    const event = await harness.db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: job.id, type: "payment_waived" } });
    expect(event.after).toEqual({ paymentStatus: "WAIVED", reason: "Reprint of a failed part" });
    // Nothing is owed: no payment, no invoice.
    expect(await codeOf(site.as.STAFF.payments.record(cash(job.id, "TX-WAIVED-1", 900)))).toBe("CONFLICT");
    expect(await codeOf(site.as.STAFF.invoices.create({ jobId: job.id }))).toBe("PRECONDITION_FAILED");
  });

  it("a paid job is refunded, not waived; an unpaid one cannot be refunded", async () => {
    const job = await addJob(harness, site, { priceCents: 900 });
    expect(await codeOf(site.as.LEAD.payments.refund({ jobId: job.id, reason: "nothing paid" }))).toBe("PRECONDITION_FAILED");
    await site.as.STAFF.payments.record(cash(job.id, "TX-REFUND-1", 900));
    expect(await codeOf(site.as.LEAD.payments.waive({ jobId: job.id, reason: "too late" }))).toBe("CONFLICT");
    expect(await codeOf(site.as.STAFF.payments.refund({ jobId: job.id, reason: "Customer complaint" }))).toBe("FORBIDDEN");
    const refunded = await site.as.LEAD.payments.refund({ jobId: job.id, reason: "Customer complaint" });
    expect(refunded).toMatchObject({ changed: true, job: { paymentStatus: "REFUNDED", paidCents: 900 } });
    expect((await site.as.LEAD.payments.refund({ jobId: job.id, reason: "again" })).changed).toBe(false);
    expect(await countRows(harness, "job_events", job.id, "payment_refunded")).toBe(1);
  });

  it("refuses empty, oversized and control-character reasons", async () => {
    const job = await addJob(harness, site);
    for (const reason of ["", "   ", "r".repeat(501), "a\u0000b"]) {
      expect(await codeOf(site.as.LEAD.payments.waive({ jobId: job.id, reason })), JSON.stringify(reason)).toBe("BAD_REQUEST");
    }
    expect(await moneyRows(job.id)).toMatchObject({ events: 0, job: { paymentStatus: "UNPAID" } });
  });
});

describe("invoices", () => {
  it("one invoice per job price: a second request is CONFLICT naming the first", async () => {
    const job = await addJob(harness, site, { priceCents: 1_200 });
    const invoice = await site.as.STAFF.invoices.create({ jobId: job.id });
    expect(invoice).toMatchObject({ jobId: job.id, amountCents: 1_200, currency: "EUR", supersededBy: null });
    try {
      await site.as.STAFF.invoices.create({ jobId: job.id });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe("CONFLICT");
      expect((error as TRPCError).message).toContain(invoice.number);
    }
    expect(await countRows(harness, "invoices", job.id)).toBe(1);
    expect(await site.as.STAFF.invoices.get({ id: invoice.id })).toEqual(invoice);
  });

  it("re-issues after a price change; the old invoice is superseded, not deleted", async () => {
    const job = await addJob(harness, site, { priceCents: 1_200 });
    const first = await site.as.STAFF.invoices.create({ jobId: job.id });
    await harness.db.prisma.job.update({ where: { id: job.id }, data: { priceCents: 1_500 } });
    const second = await site.as.STAFF.invoices.create({ jobId: job.id });
    expect(second.amountCents).toBe(1_500);
    expect(second.sequence).toBe(first.sequence + 1);
    expect((await site.as.STAFF.invoices.get({ id: first.id })).supersededBy).toBe(second.number);
    const listed = await site.as.STAFF.invoices.listForJob({ jobId: job.id });
    expect(listed.map((i) => [i.number, i.supersededBy])).toEqual([
      [second.number, null],
      [first.number, second.number],
    ]);
    const event = await harness.db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: job.id, after: { path: ["invoiceId"], equals: second.id } } });
    expect(event.before).toMatchObject({ invoice: first.number, amountCents: 1_200 });
  });

  it("does not invoice cancelled or unpriced jobs", async () => {
    const cancelled = await addJob(harness, site, { status: "CANCELLED" });
    const free = await addJob(harness, site, { priceCents: 0 });
    expect(await codeOf(site.as.STAFF.invoices.create({ jobId: cancelled.id }))).toBe("PRECONDITION_FAILED");
    expect(await codeOf(site.as.STAFF.invoices.create({ jobId: free.id }))).toBe("PRECONDITION_FAILED");
    expect(await countRows(harness, "invoices", cancelled.id)).toBe(0);
    expect(await countRows(harness, "invoices", free.id)).toBe(0);
  });

  it("answers UNAUTHORIZED without a session", async () => {
    const job = await addJob(harness, site);
    expect(await codeOf(harness.caller().invoices.create({ jobId: job.id }))).toBe("UNAUTHORIZED");
    expect(await codeOf(harness.caller().payments.record(cash(job.id, "TX-ANON-1")))).toBe("UNAUTHORIZED");
  });
});
