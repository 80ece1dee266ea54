// The receipt a handover needs. Money's rule is one receipt per payment, issued with the payment;
// a handover adds one only when the job has none for its money yet, so the customer leaves with
// exactly one receipt per payment and never a second copy numbered anew.
//
// Receipt numbers are gapless per site and year: the site's counter row stays locked from the
// number's take to the commit, and every handover of the site that issues a receipt queues
// behind it. So a handover decides its receipts first (planPickupReceipts, ids included, for
// its event) and numbers them as late as it can (issuePlannedReceipts), after everything that
// does not need the number.
import { formatReceiptNumber } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import { randomUUID } from "node:crypto";
import { takeDocumentNumber, type SiteForDocuments } from "../money/common.ts";
import { issueReceipt, receiptRowSelect, toReceiptView, type ReceiptView } from "../receipts/service.ts";

export interface PickupReceiptInput {
  siteId: string;
  site: SiteForDocuments;
  job: { id: string; number: number; priceCents: number; currency: string; paymentStatus: string };
  issuedAt: Date;
}

/** A receipt the handover will issue: for a payment without one, or (null) for the job itself. */
interface PlannedReceipt {
  id: string;
  payment: { id: string; amountCents: number; currency: string } | null;
}

export interface PickupReceiptPlan {
  existing: ReceiptView[];
  toIssue: PlannedReceipt[];
  /** Every receipt's id as the handover will leave them, newest first. */
  ids: string[];
}

export interface PickupReceipts {
  /** The job's receipts after the handover, newest first. */
  receipts: ReceiptView[];
  /** How many of them the handover issued (0 when payments had issued them already). */
  issued: number;
}

function newestFirst(a: ReceiptView, b: ReceiptView): number {
  return b.issuedAt.localeCompare(a.issuedAt) || b.year - a.year || b.sequence - a.sequence;
}

/**
 * Runs in the handover's transaction, under the job's row lock, which money's payment recording
 * takes too: no payment can add a receipt between the look and the issue.
 */
export async function planPickupReceipts(tx: TransactionClient, input: Pick<PickupReceiptInput, "siteId" | "job">): Promise<PickupReceiptPlan> {
  const { siteId, job } = input;
  // Whether a payment has its receipt is read from the job's receipts (the job_id index).
  const payments = await tx.$queryRaw<Array<{ id: string; amount_cents: number; currency: string; has_receipt: boolean }>>`
    SELECT p.id::text AS id, p.amount_cents, p.currency,
           EXISTS (SELECT 1 FROM receipts r WHERE r.site_id = p.site_id AND r.job_id = p.job_id AND r.payment_id = p.id) AS has_receipt
      FROM payments p
     WHERE p.site_id = ${siteId}::uuid AND p.job_id = ${job.id}::uuid
     ORDER BY p.created_at ASC, p.id ASC`;
  const existingRows = await tx.receipt.findMany({ where: { siteId, jobId: job.id }, select: receiptRowSelect });
  const existing = existingRows.map((row) => toReceiptView(row, job.number)).sort(newestFirst);
  // A payment recorded without its receipt (imported, or from the storefront feed) gets it now;
  // a job with no payment and no receipt (waived, or marked paid) gets one for the job itself.
  const toIssue: PlannedReceipt[] = payments
    .filter((payment) => !payment.has_receipt)
    .map((payment) => ({ id: randomUUID(), payment: { id: payment.id, amountCents: payment.amount_cents, currency: payment.currency } }));
  if (payments.length === 0 && existing.length === 0) toIssue.push({ id: randomUUID(), payment: null });
  // Issued in plan order, at the same instant, so the last one issued is the newest.
  const ids = [...toIssue.map((r) => r.id).reverse(), ...existing.map((r) => r.id)];
  return { existing, toIssue, ids };
}

/** Numbers and stores the planned receipts: the handover's last writes that need the site's counter. */
export async function issuePlannedReceipts(tx: TransactionClient, input: PickupReceiptInput, plan: PickupReceiptPlan): Promise<PickupReceipts> {
  const issued: ReceiptView[] = [];
  for (const planned of plan.toIssue) {
    issued.push(
      planned.payment
        ? await issueReceipt(tx, { id: planned.id, siteId: input.siteId, site: input.site, job: input.job, payment: planned.payment, issuedAt: input.issuedAt })
        : await issuePaymentlessReceipt(tx, input, planned.id),
    );
  }
  // The plan's order, which the event already named them in.
  const byId = new Map([...issued, ...plan.existing].map((receipt) => [receipt.id, receipt]));
  return { receipts: plan.ids.flatMap((id) => byId.get(id) ?? []), issued: issued.length };
}

/**
 * A waived job (nothing paid: amount 0), or one marked paid with no payment on record (the full
 * price), still leaves with a receipt. Money's issueReceipt needs a payment row, so this numbers
 * the receipt the same way (site counter, year at the site) without one.
 */
async function issuePaymentlessReceipt(tx: TransactionClient, input: PickupReceiptInput, id: string): Promise<ReceiptView> {
  const { year, number } = await takeDocumentNumber(tx, input.siteId, "RECEIPT", input.issuedAt, input.site.timezone);
  const row = await tx.receipt.create({
    data: {
      id,
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
