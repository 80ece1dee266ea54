// The receipt a handover needs. Money's rule is one receipt per payment, issued with the payment;
// a handover adds one only when the job has none for its money yet, so the customer leaves with
// exactly one receipt per payment and never a second copy numbered anew.
//
// Receipt numbers are gapless per site and year: the site's counter row stays locked from the
// number's take to the commit, and every handover of the site that issues a receipt queues
// behind it. So a handover decides its receipts first (planPickupReceipts, ids included, for
// its event), and their INSERTs take their numbers in its final batch, the one that commits
// (issuedReceipts), with what carries the numbers after them (receipt-number-slots.ts).
import { randomUUID } from "node:crypto";
import { Prisma } from "@orderdeck/db";
import type { SiteForDocuments } from "../money/common.ts";
import { yearInTimeZone } from "../money/time.ts";
import { newReceipt, toReceiptView, type ReceiptRow, type ReceiptView } from "../receipts/service.ts";
import { slottedReceipt } from "./receipt-number-slots.ts";

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
  /** The job's receipts after the handover, newest first; an issued one's number is its slot until its INSERT has run. */
  receipts: ReceiptView[];
  /** The ids of those the handover issues (none when payments had issued them already). */
  issuedIds: string[];
  /** The INSERTs of the issued ones, each taking its number and answering its row (a ReceiptRow). */
  statements: Prisma.Sql[];
}

/** A payment of the job, and whether it has its receipt. */
export interface PaymentRow {
  id: string;
  amount_cents: number;
  currency: string;
  has_receipt: boolean;
}

function newestFirst(a: ReceiptView, b: ReceiptView): number {
  return b.issuedAt.localeCompare(a.issuedAt) || b.year - a.year || b.sequence - a.sequence;
}

/**
 * What a plan is made of: the job's payments (with whether each has its receipt, from the job_id
 * index) and its receipts. `job` names the job's id in SQL; the reads must run after the statement
 * that locks the job's row (money's payment recording takes that lock too), so no payment can add
 * a receipt between the look and the issue.
 */
export function receiptPlanReads(siteId: string, job: Prisma.Sql): [Prisma.Sql, Prisma.Sql] {
  return [
    Prisma.sql`
      SELECT p.id::text AS id, p.amount_cents, p.currency,
             EXISTS (SELECT 1 FROM receipts r WHERE r.site_id = p.site_id AND r.job_id = p.job_id AND r.payment_id = p.id) AS has_receipt
        FROM payments p
       WHERE p.site_id = ${siteId}::uuid AND p.job_id = ${job}
       ORDER BY p.created_at ASC, p.id ASC`,
    Prisma.sql`
      SELECT r.id::text AS id, r.job_id::text AS "jobId", r.year, r.number, r.formatted_number AS "formattedNumber",
             r.amount_cents AS "amountCents", r.currency, r.issued_at AS "issuedAt", r.payment_id::text AS "paymentId"
        FROM receipts r
       WHERE r.site_id = ${siteId}::uuid AND r.job_id = ${job}`,
  ];
}

/** Which receipts the handover issues, from receiptPlanReads' rows. */
export function planPickupReceipts(job: { number: number }, payments: PaymentRow[], receipts: ReceiptRow[]): PickupReceiptPlan {
  const existing = receipts.map((row) => toReceiptView(row, job.number)).sort(newestFirst);
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

/**
 * The planned receipts, in the plan's order, as their INSERTs will store them. A waived job
 * (nothing paid: amount 0), or one marked paid with no payment on record (the full price), still
 * leaves with a receipt, numbered the same way, with no payment.
 */
export function issuedReceipts(input: PickupReceiptInput, plan: PickupReceiptPlan): PickupReceipts {
  const year = yearInTimeZone(input.issuedAt, input.site.timezone);
  const issued = plan.toIssue.map((planned) => {
    const receipt = {
      id: planned.id,
      siteId: input.siteId,
      jobId: input.job.id,
      paymentId: planned.payment?.id ?? null,
      year,
      amountCents: planned.payment ? planned.payment.amountCents : input.job.paymentStatus === "WAIVED" ? 0 : input.job.priceCents,
      currency: planned.payment?.currency ?? input.job.currency,
      issuedAt: input.issuedAt,
    };
    const view = slottedReceipt(receipt, input.job.number);
    return { view, statement: newReceipt(receipt) };
  });
  // The plan's order, which the event already named them in.
  const byId = new Map([...issued.map(({ view }) => view), ...plan.existing].map((receipt) => [receipt.id, receipt]));
  return { receipts: plan.ids.flatMap((id) => byId.get(id) ?? []), issuedIds: issued.map(({ view }) => view.id), statements: issued.map(({ statement }) => statement) };
}
