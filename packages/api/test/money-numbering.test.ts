// Invoice and receipt numbers: gapless and distinct under concurrency, per site and per year in
// the site's timezone, and given back when the transaction that took one fails.
import { formatInvoiceNumber, formatJobNumber, formatReceiptNumber } from "@orderdeck/contracts";
import { inSite } from "@orderdeck/db";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { recordJobEvent } from "../src/jobs/events.ts";
import { issueInvoice } from "../src/invoices/service.ts";
import { yearInTimeZone } from "../src/money/time.ts";
import { apiHarnessForFile } from "./harness.ts";
import { addJob, countRows } from "./money-helpers.ts";

const harness = await apiHarnessForFile();
const siteA = await harness.createSite("Numbers A");
const siteB = await harness.createSite("Numbers B");
const thisYear = () => yearInTimeZone(new Date(), "Europe/Berlin");

async function invoiceNumbers(siteId: string): Promise<number[]> {
  const rows = await harness.db.prisma.invoice.findMany({ where: { siteId }, orderBy: { number: "asc" }, select: { number: true } });
  return rows.map((r) => r.number);
}

describe("document number formats", () => {
  it("pads job, invoice and receipt numbers and never truncates", () => {
    expect(formatJobNumber(123)).toBe("J-000123");
    expect(formatJobNumber(1_234_567)).toBe("J-1234567");
    expect(formatInvoiceNumber(2026, 1)).toBe("INV-2026-0001");
    expect(formatInvoiceNumber(2026, 12_345)).toBe("INV-2026-12345");
    expect(formatReceiptNumber(2027, 42)).toBe("RCT-2027-0042");
    expect(() => formatInvoiceNumber(2026, 0)).toThrow(RangeError);
    expect(() => formatReceiptNumber(1999, 1)).toThrow(RangeError);
    expect(() => formatJobNumber(1.5)).toThrow(RangeError);
  });

  it("computes the year in the site's timezone at New Year", () => {
    const eve = new Date("2026-12-31T23:30:00Z");
    expect(yearInTimeZone(eve, "UTC")).toBe(2026);
    expect(yearInTimeZone(eve, "Europe/Berlin")).toBe(2027);
    expect(yearInTimeZone(new Date("2027-01-01T03:00:00Z"), "America/New_York")).toBe(2026);
    expect(yearInTimeZone(new Date("2026-12-31T10:30:00Z"), "Pacific/Kiritimati")).toBe(2027);
  });
});

describe("invoice numbering", () => {
  it("50 concurrent invoice creations give 50 distinct consecutive numbers", { timeout: 60_000 }, async () => {
    const jobs = await Promise.all(Array.from({ length: 50 }, () => addJob(harness, siteA)));
    const invoices = await Promise.all(jobs.map((job) => siteA.as.STAFF.invoices.create({ jobId: job.id })));
    const year = thisYear();
    const expected = Array.from({ length: 50 }, (_, i) => formatInvoiceNumber(year, i + 1));
    expect(invoices.map((i) => i.number).sort()).toEqual(expected);
    expect(new Set(invoices.map((i) => i.jobId)).size).toBe(50);
    expect(await invoiceNumbers(siteA.siteId)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // One "invoiced" event per invoice, each in its job's timeline.
    for (const job of jobs.slice(0, 5)) expect(await countRows(harness, "job_events", job.id, "invoiced")).toBe(1);
  });

  it("stays gapless when creations fail before and after taking a number", { timeout: 60_000 }, async () => {
    const site = await harness.createSite("Numbers gapless");
    const good = await Promise.all(Array.from({ length: 30 }, () => addJob(harness, site)));
    const doomed = await Promise.all(Array.from({ length: 10 }, () => addJob(harness, site)));
    const foreign = await Promise.all(Array.from({ length: 10 }, () => addJob(harness, siteB)));

    let numbersTakenThenLost = 0;
    const attempts: Array<Promise<unknown>> = [
      ...good.map((job) => site.as.STAFF.invoices.create({ jobId: job.id })),
      // Another site's job: refused before numbering.
      ...foreign.map((job) => site.as.STAFF.invoices.create({ jobId: job.id })),
      // A number is taken, then a constraint refuses a later write of the same transaction.
      ...doomed.map((job) =>
        inSite(harness.db.prisma, site.siteId, async (tx) => {
          const invoice = await issueInvoice(tx, { siteId: site.siteId, jobId: job.id, actor: { kind: "SYSTEM" } });
          numbersTakenThenLost++;
          await recordJobEvent(tx, { siteId: site.siteId, jobId: job.id, actor: { kind: "SYSTEM" }, type: "x".repeat(65) });
          return invoice;
        }),
      ),
    ];
    // Interleave them so that failures happen between successes.
    const results = await Promise.allSettled(attempts.sort(() => Math.random() - 0.5));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(30);
    const notFound = results.filter((r) => r.status === "rejected" && r.reason instanceof TRPCError && r.reason.code === "NOT_FOUND");
    expect(notFound).toHaveLength(10);
    expect(numbersTakenThenLost).toBe(10);

    expect(await invoiceNumbers(site.siteId)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const counter = await harness.db.prisma.counter.findUnique({
      where: { siteId_kind_year: { siteId: site.siteId, kind: "INVOICE", year: thisYear() } },
    });
    expect(counter?.value).toBe(30);
    for (const job of doomed) expect(await countRows(harness, "invoices", job.id)).toBe(0);
    expect(await invoiceNumbers(siteB.siteId)).toEqual([]);

    // The next one continues right after the last that exists.
    const next = await site.as.STAFF.invoices.create({ jobId: doomed[0]!.id });
    expect(next.number).toBe(formatInvoiceNumber(thisYear(), 31));
  });

  it("numbers per site: two sites both start at 0001", async () => {
    const one = await harness.createSite("Numbers one");
    const two = await harness.createSite("Numbers two");
    const a = await one.as.STAFF.invoices.create({ jobId: (await addJob(harness, one)).id });
    const b = await two.as.STAFF.invoices.create({ jobId: (await addJob(harness, two)).id });
    expect(a.number).toBe(formatInvoiceNumber(thisYear(), 1));
    expect(b.number).toBe(formatInvoiceNumber(thisYear(), 1));
  });

  it("restarts at 0001 on New Year in the site's timezone", async () => {
    const site = await harness.createSite("Numbers new year");
    const issue = async (at: string) => {
      const job = await addJob(harness, site);
      return inSite(harness.db.prisma, site.siteId, (tx) =>
        issueInvoice(tx, { siteId: site.siteId, jobId: job.id, actor: { kind: "SYSTEM" }, now: new Date(at) }),
      );
    };
    expect((await issue("2026-12-31T22:00:00Z")).number).toBe("INV-2026-0001"); // 23:00 in Berlin
    expect((await issue("2026-12-31T22:59:59Z")).number).toBe("INV-2026-0002");
    expect((await issue("2026-12-31T23:30:00Z")).number).toBe("INV-2027-0001"); // 00:30 on 1 January
    expect((await issue("2027-03-01T12:00:00Z")).number).toBe("INV-2027-0002");

    await harness.db.prisma.site.update({ where: { id: site.siteId }, data: { timezone: "America/New_York" } });
    // Already 2027 in UTC and Berlin, still New Year's Eve in New York.
    const late = await issue("2027-01-01T03:00:00Z");
    expect(late.number).toBe("INV-2026-0003");
    expect(late.year).toBe(2026);
  });

  it("numbers receipts on their own counter, per site and year", async () => {
    const site = await harness.createSite("Numbers receipts");
    const job1 = await addJob(harness, site, { priceCents: 1_000 });
    const job2 = await addJob(harness, site, { priceCents: 1_000 });
    await site.as.STAFF.invoices.create({ jobId: job1.id });
    const r1 = await site.as.STAFF.payments.record({ jobId: job1.id, provider: "cash", providerReference: `n-${job1.id}`, amountCents: 1_000, currency: "EUR" });
    const r2 = await site.as.STAFF.payments.record({ jobId: job2.id, provider: "cash", providerReference: `n-${job2.id}`, amountCents: 1_000, currency: "EUR" });
    expect(r1.receipt?.number).toBe(formatReceiptNumber(thisYear(), 1));
    expect(r2.receipt?.number).toBe(formatReceiptNumber(thisYear(), 2));
  });

  it("writes a receipt's number, taken in its INSERT, as formatReceiptNumber does, past four digits too", async () => {
    const site = await harness.createSite("Numbers receipts wide");
    await harness.db.pool.query("INSERT INTO counters (site_id, kind, year, value) VALUES ($1, 'RECEIPT', $2, 9998)", [site.siteId, thisYear()]);
    const numbers: Array<string | undefined> = [];
    for (let i = 0; i < 2; i++) {
      const job = await addJob(harness, site, { priceCents: 1_000 });
      const paid = await site.as.STAFF.payments.record({ jobId: job.id, provider: "cash", providerReference: `w-${job.id}`, amountCents: 1_000, currency: "EUR" });
      numbers.push(paid.receipt?.number);
    }
    expect(numbers).toEqual([formatReceiptNumber(thisYear(), 9_999), formatReceiptNumber(thisYear(), 10_000)]);
    const stored = await harness.db.pool.query<{ formatted_number: string }>("SELECT formatted_number FROM receipts WHERE site_id = $1 ORDER BY number", [site.siteId]);
    expect(stored.rows.map((r) => r.formatted_number)).toEqual(numbers);
  });
});
