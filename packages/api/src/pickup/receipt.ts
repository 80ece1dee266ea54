// The receipt a handover needs. Money's rule is one receipt per payment, issued with the payment;
// a handover adds one only when the job has none for its money yet, so the customer leaves with
// exactly one receipt per payment and never a second copy numbered anew.
import { formatReceiptNumber } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import { takeDocumentNumber, type SiteForDocuments } from "../money/common.ts";
import { issueReceipt, receiptRowSelect, toReceiptView, type ReceiptView } from "../money/receipts.ts";

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
  // Whether a payment has its receipt is read from the job's receipts (the job_id index).
  const payments = await tx.$queryRaw<Array<{ id: string; amount_cents: number; currency: string; has_receipt: boolean }>>`
    SELECT p.id::text AS id, p.amount_cents, p.currency,
           EXISTS (SELECT 1 FROM receipts r WHERE r.site_id = p.site_id AND r.job_id = p.job_id AND r.payment_id = p.id) AS has_receipt
      FROM payments p
     WHERE p.site_id = ${siteId}::uuid AND p.job_id = ${job.id}::uuid
     ORDER BY p.created_at ASC, p.id ASC`;
  const existing = await tx.receipt.findMany({ where: { siteId, jobId: job.id }, select: receiptRowSelect });
  const receipts = existing.map((row) => toReceiptView(row, job.number));
  // A payment recorded without its receipt (imported, or from the storefront feed) gets it now.
  for (const payment of payments) {
    if (payment.has_receipt) continue;
    receipts.push(await issueReceipt(tx, { siteId, site: input.site, job, payment: { id: payment.id, amountCents: payment.amount_cents, currency: payment.currency }, issuedAt: input.issuedAt }));
  }
  if (payments.length === 0 && existing.length === 0) receipts.push(await issuePaymentlessReceipt(tx, input));
  // Newest first, as a read of the table ordered by issue time, year and number would answer.
  receipts.sort((a, b) => b.issuedAt.localeCompare(a.issuedAt) || b.year - a.year || b.sequence - a.sequence);
  return { receipts, issued: receipts.length - existing.length };
}

/**
 * A waived job (nothing paid: amount 0), or one marked paid with no payment on record (the full
 * price), still leaves with a receipt. Money's issueReceipt needs a payment row, so this numbers
 * the receipt the same way (site counter, year at the site) without one.
 */
async function issuePaymentlessReceipt(tx: TransactionClient, input: PickupReceiptInput): Promise<ReceiptView> {
  const { year, number } = await takeDocumentNumber(tx, input.siteId, "RECEIPT", input.issuedAt, input.site.timezone);
  const row = await tx.receipt.create({
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
    select: receiptRowSelect,
  });
  return toReceiptView(row, input.job.number);
}
