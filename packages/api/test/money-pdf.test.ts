// Invoice and receipt PDFs are real PDFs, and what a reader extracts from them is what the
// customer must see: number, job, amount, state, payment reference and pickup code, the code also
// as a Code 128 and a QR code that an ordinary decoder (ZXing) reads back, as a counter scanner would.
import { formatJobNumber, formatPickupCode } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { formatMoney, printable } from "../src/money/format.ts";
import { apiHarnessForFile } from "./harness.ts";
import { decodeEither, pdfImages } from "./barcode-helpers.ts";
import { addJob, pdfText } from "./money-helpers.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Makerspace Mitte");
async function pickupCodeOf(jobId: string): Promise<string> {
  return (await harness.db.prisma.job.findUniqueOrThrow({ where: { id: jobId }, select: { pickupCode: true } })).pickupCode;
}

/** The PDF's barcodes, decoded from its embedded images: both must be the job's pickup code. */
async function barcodesOf(base64: string) {
  return (await pdfImages(base64)).map(decodeEither);
}

function isPdf(base64: string): boolean {
  const bytes = Buffer.from(base64, "base64");
  return bytes.subarray(0, 5).toString("latin1") === "%PDF-" && bytes.subarray(-6).toString("latin1").includes("%%EOF");
}

describe("invoice PDF", () => {
  it("shows shop, number, date in the site's timezone, customer, job, amount and the pickup code (text, QR and Code 128); unpaid then paid", async () => {
    const job = await addJob(harness, site, {
      priceCents: 123_450,
      title: "Gearbox housing",
      material: "PETG",
      quantity: 3,
      customer: { name: "Ada Lovelace", email: "ada@example.test" },
    });
    const invoice = await site.as.STAFF.invoices.create({ jobId: job.id });
    const file = await site.as.STAFF.invoices.pdf({ id: invoice.id });
    expect(file).toMatchObject({ filename: `${invoice.number}.pdf`, contentType: "application/pdf" });
    expect(isPdf(file.base64)).toBe(true);

    const text = await pdfText(file.base64);
    const dateAtSite = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "Europe/Berlin" }).format(new Date(invoice.issuedAt));
    for (const expected of ["Makerspace Mitte", invoice.number, dateAtSite, "Ada Lovelace", "ada@example.test", formatJobNumber(job.number), "Gearbox housing", "PETG", "3", "€1,234.50", "Unpaid"]) {
      expect(text).toContain(expected);
    }

    const pickupCode = await pickupCodeOf(job.id);
    expect(text).toContain(formatPickupCode(pickupCode));
    expect(await barcodesOf(file.base64)).toEqual([
      { format: "QR_CODE", text: pickupCode },
      { format: "CODE_128", text: pickupCode },
    ]);

    await site.as.STAFF.payments.record({ jobId: job.id, provider: "cash", providerReference: "PDF-INV-1", amountCents: 123_450, currency: "EUR" });
    const paidText = await pdfText((await site.as.STAFF.invoices.pdf({ id: invoice.id })).base64);
    expect(paidText).toContain("Paid");
    expect(paidText).not.toContain("Unpaid");
  });

  it("formats other currencies with their own decimals", async () => {
    const job = await addJob(harness, site, { priceCents: 1_234, currency: "JPY" });
    const invoice = await site.as.STAFF.invoices.create({ jobId: job.id });
    const text = await pdfText((await site.as.STAFF.invoices.pdf({ id: invoice.id })).base64);
    expect(text).toContain(formatMoney(1_234, "JPY"));
    expect(formatMoney(1_234, "JPY")).toMatch(/1,234$/);
    expect(formatMoney(1_234, "USD")).toBe("US$12.34");
    expect(formatMoney(1_234_500, "KWD")).toContain("1,234.500");
    // No glyph for ₹ in the built-in fonts: the ISO code is printed instead.
    expect(formatMoney(9_900, "INR")).toMatch(/^INR\s99\.00$/);
  });

  it("renders hostile text as plain text instead of failing", async () => {
    const job = await addJob(harness, site, {
      title: "Rocket 🧨 中文 <script>alert(1)</script> ${7*7}",
      customer: { name: "'; DROP TABLE jobs; --" },
    });
    const invoice = await site.as.STAFF.invoices.create({ jobId: job.id });
    const text = await pdfText((await site.as.STAFF.invoices.pdf({ id: invoice.id })).base64);
    expect(text).toContain("Rocket ? ?? <script>alert(1)</script> ${7*7}");
    expect(text).toContain("'; DROP TABLE jobs; --");
    expect(printable("a\u0000b\nc")).toBe("a?b c");
  });
});

describe("receipt PDF", () => {
  it("shows number, job, amount, provider, reference and the pickup code (text, QR and Code 128)", async () => {
    const job = await addJob(harness, site, { priceCents: 4_999, title: "Name plate", customer: { name: "Grace Hopper" } });
    const pickupCode = await pickupCodeOf(job.id);
    const recorded = await site.as.STAFF.payments.record({
      jobId: job.id,
      provider: "card-terminal",
      providerReference: "SUMUP-7F3A-99",
      amountCents: 4_999,
      currency: "EUR",
    });
    const receipt = recorded.receipt!;
    expect(await site.as.STAFF.receipts.get({ id: receipt.id })).toEqual(receipt);
    const file = await site.as.STAFF.receipts.pdf({ id: receipt.id });
    expect(file.filename).toBe(`${receipt.number}.pdf`);
    expect(isPdf(file.base64)).toBe(true);
    const text = await pdfText(file.base64);
    for (const expected of ["Makerspace Mitte", receipt.number, formatJobNumber(job.number), "Name plate", "Grace Hopper", "€49.99", "card-terminal", "SUMUP-7F3A-99", formatPickupCode(pickupCode), "Paid in full"]) {
      expect(text).toContain(expected);
    }
    expect(await barcodesOf(file.base64)).toEqual([
      { format: "QR_CODE", text: pickupCode },
      { format: "CODE_128", text: pickupCode },
    ]);
  });

  it("a deposit's receipt shows the balance still due", async () => {
    const job = await addJob(harness, site, { priceCents: 10_000 });
    const deposit = await site.as.STAFF.payments.record({ jobId: job.id, provider: "cash", providerReference: "PDF-DEP-1", amountCents: 3_000, currency: "EUR" });
    await site.as.STAFF.payments.record({ jobId: job.id, provider: "cash", providerReference: "PDF-DEP-2", amountCents: 7_000, currency: "EUR" });
    const text = await pdfText((await site.as.STAFF.receipts.pdf({ id: deposit.receipt!.id })).base64);
    expect(text).toContain("€30.00");
    expect(text).toContain("Balance due: €70.00");
  });
});
