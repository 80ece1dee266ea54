// A user of site A can neither create, read nor learn of site B's invoices, receipts and
// payments: every such request answers NOT_FOUND, exactly like a row that does not exist.
import type { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { apiHarnessForFile } from "./harness.ts";
import { addJob, codeOf, countRows } from "./money-helpers.ts";

let jobB: string;
let invoiceB: string;
let receiptB: string;

const harness = await apiHarnessForFile();
const siteA = await harness.createSite("Isolation A");
const siteB = await harness.createSite("Isolation B");

beforeAll(async () => {
  jobB = (await addJob(harness, siteB, { priceCents: 2_000 })).id;
  invoiceB = (await siteB.as.STAFF.invoices.create({ jobId: jobB })).id;
  const paid = await siteB.as.STAFF.payments.record({ jobId: jobB, provider: "cash", providerReference: "ISO-B-1", amountCents: 2_000, currency: "EUR" });
  receiptB = paid.receipt!.id;
});
describe("money across sites", () => {
  it("site A cannot create invoices or payments for site B's jobs, nor waive or refund them", async () => {
    const a = siteA.as.ADMIN;
    const unpaidB = (await addJob(harness, siteB, { priceCents: 2_000 })).id;
    expect(await codeOf(a.invoices.create({ jobId: unpaidB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.payments.record({ jobId: unpaidB, provider: "cash", providerReference: "ISO-A-1", amountCents: 2_000, currency: "EUR" }))).toBe("NOT_FOUND");
    expect(await codeOf(a.payments.waive({ jobId: unpaidB, reason: "not mine" }))).toBe("NOT_FOUND");
    expect(await codeOf(a.payments.refund({ jobId: jobB, reason: "not mine" }))).toBe("NOT_FOUND");
    for (const job of [jobB, unpaidB]) {
      expect(await countRows(harness, "job_events", job)).toBe(job === jobB ? 2 : 0);
    }
    expect(await countRows(harness, "invoices", unpaidB)).toBe(0);
    expect(await countRows(harness, "payments", unpaidB)).toBe(0);
    const counters = await harness.db.prisma.counter.findMany({ where: { siteId: siteA.siteId, kind: { in: ["INVOICE", "RECEIPT"] } } });
    expect(counters).toEqual([]);
  });

  it("site A cannot read site B's invoices, receipts, payments or their PDFs", async () => {
    const a = siteA.as.ADMIN;
    expect(await codeOf(a.invoices.get({ id: invoiceB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.invoices.pdf({ id: invoiceB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.invoices.listForJob({ jobId: jobB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.receipts.get({ id: receiptB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.receipts.pdf({ id: receiptB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.receipts.listForJob({ jobId: jobB }))).toBe("NOT_FOUND");
    expect(await codeOf(a.payments.listForJob({ jobId: jobB }))).toBe("NOT_FOUND");
  });

  it("answers another site's ids exactly like ids that do not exist", async () => {
    const a = siteA.as.STAFF;
    const missing = "7d0b8a52-3f0e-4c8e-9a55-0c8f3d7e1b21";
    const messages = async (id: string) => {
      try {
        await a.invoices.get({ id });
      } catch (error) {
        return (error as TRPCError).message;
      }
      return "found";
    };
    expect(await messages(invoiceB)).toBe(await messages(missing));
  });

  it("site B still sees its own", async () => {
    const b = siteB.as.STAFF;
    expect((await b.invoices.get({ id: invoiceB })).jobId).toBe(jobB);
    expect((await b.receipts.get({ id: receiptB })).jobId).toBe(jobB);
    expect(await b.payments.listForJob({ jobId: jobB })).toHaveLength(1);
  });
});
