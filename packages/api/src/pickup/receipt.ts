// The receipt a handover needs. Money's rule is one receipt per payment, issued with the payment;
// a handover adds one only when the job has none for its money yet, so the customer leaves with
// exactly one receipt per payment and never a second copy numbered anew.
import { formatReceiptNumber } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import { takeDocumentNumber, type SiteForDocuments } from "../money/common.ts";
import { issueReceipt, toReceiptView, type ReceiptView } from "../money/receipts.ts";

export interface PickupReceiptInput {
  siteId: string;
  site: SiteForDocuments;
  job: { id: string; number: number; priceCents: number; currency: string; paymentStatus: string };
  issuedAt: Date;
}

export interface PickupReceipts {
  /** The job's receipts after the handover, newest first. */
  receipts: ReceiptView[];
  /** How many of them the handover issued (0 when payments had issued them already). */
  issued: number;
}

/**
 * Runs in the handover's transaction, under the job's row lock, which money's payment recording
 * takes too: no payment can add a receipt between the look and the issue.
 */
export async function ensurePickupReceipt(tx: TransactionClient, input: PickupReceiptInput): Promise<PickupReceipts> {
  const { siteId, job } = input;
  const payments = await tx.payment.findMany({
    where: { siteId, jobId: job.id },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, amountCents: true, currency: true, receipts: { select: { id: true }, take: 1 } },
  });
  const existing = await tx.receipt.count({ where: { siteId, jobId: job.id } });
  let issued = 0;
  // A payment recorded without its receipt (imported, or from the storefront feed) gets it now.
  for (const payment of payments) {
    if (payment.receipts.length > 0) continue;
    await issueReceipt(tx, { siteId, site: input.site, job, payment, issuedAt: input.issuedAt });
    issued++;
  }
  if (payments.length === 0 && existing === 0) {
    await issuePaymentlessReceipt(tx, input);
    issued++;
  }
  const rows = await tx.receipt.findMany({
    where: { siteId, jobId: job.id },
    orderBy: [{ issuedAt: "desc" }, { year: "desc" }, { number: "desc" }],
  });
  return { receipts: rows.map((row) => toReceiptView(row, job.number)), issued };
}

/**
 * A waived job (nothing paid: amount 0), or one marked paid with no payment on record (the full
 * price), still leaves with a receipt. Money's issueReceipt needs a payment row, so this numbers
 * the receipt the same way (site counter, year at the site) without one.
 */
async function issuePaymentlessReceipt(tx: TransactionClient, input: PickupReceiptInput): Promise<void> {
  const { year, number } = await takeDocumentNumber(tx, input.siteId, "RECEIPT", input.issuedAt, input.site.timezone);
  await tx.receipt.create({
    data: {
      siteId: input.siteId,
      jobId: input.job.id,
      paymentId: null,
      year,
      number,
      formattedNumber: formatReceiptNumber(year, number),
      amountCents: input.job.paymentStatus === "WAIVED" ? 0 : input.job.priceCents,
      currency: input.job.currency,
      issuedAt: input.issuedAt,
    },
  });
}
