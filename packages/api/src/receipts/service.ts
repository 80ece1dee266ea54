import { randomUUID } from "node:crypto";
import { formatPickupCode, receiptNumberPrefix, YEARLY_SEQUENCE_DIGITS } from "@orderdeck/contracts";
import { inSite, Prisma, type TransactionClient } from "@orderdeck/db";
import { findJob, siteOf, type MoneyCaller, type PdfFile, type SiteForDocuments } from "../money/common.ts";
import { formatMoney } from "../money/format.ts";
import type { DocumentLine } from "../documents/money-document.ts";
import { foundDocument, numberedDocumentPdf, numberedDocumentSelect, numberedDocumentView, withJobNumber, type NumberedDocumentRow, type NumberedDocumentView } from "../money/numbered-document.ts";
import { formatDocumentDateTime, yearInTimeZone } from "../money/time.ts";

export interface ReceiptView extends NumberedDocumentView {
  paymentId: string | null;
}

export const receiptRowSelect = { ...numberedDocumentSelect, paymentId: true } as const;

export interface ReceiptRow extends NumberedDocumentRow {
  paymentId: string | null;
}

export function toReceiptView(row: ReceiptRow, jobNumber: number): ReceiptView {
  return { ...numberedDocumentView(row, jobNumber), paymentId: row.paymentId };
}

export interface IssueReceiptInput {
  /** Given when the caller must name the receipt before it is numbered (a handover's event does). */
  id?: string;
  siteId: string;
  site: SiteForDocuments;
  job: { id: string; number: number };
  payment: { id: string; amountCents: number; currency: string };
  issuedAt: Date;
}

/** The receipt for one payment, numbered in the caller's transaction (as newReceipt says). */
export async function issueReceipt(tx: TransactionClient, input: IssueReceiptInput): Promise<ReceiptView> {
  const receipt = newReceipt({
    id: input.id ?? randomUUID(),
    siteId: input.siteId,
    jobId: input.job.id,
    paymentId: input.payment.id,
    year: yearInTimeZone(input.issuedAt, input.site.timezone),
    amountCents: input.payment.amountCents,
    currency: input.payment.currency,
    issuedAt: input.issuedAt,
  });
  const [row] = await tx.$queryRaw<ReceiptRow[]>(receipt);
  if (!row) throw new Error("the receipt's INSERT answered no row");
  return toReceiptView(row, input.job.number);
}

/** A receipt about to be stored: everything but its number, which the INSERT takes. */
export interface NewReceipt {
  id: string;
  siteId: string;
  jobId: string;
  paymentId: string | null;
  year: number;
  amountCents: number;
  currency: string;
  issuedAt: Date;
}

/**
 * A receipt's INSERT, which takes the next number of the site's receipt counter for its year
 * and answers the row as stored (a ReceiptRow). Receipt numbers are gapless per site and year:
 * the counter's row stays locked from the take to the commit, and every other receipt of the
 * site waits for it, so send this as late in the transaction as its statements allow; whatever
 * must carry the number goes after it (pickup/receipt-number-slots.ts).
 */
export function newReceipt(receipt: NewReceipt): Prisma.Sql {
  const taken = Prisma.sql`taken.value`;
  return Prisma.sql`
    WITH taken AS (SELECT next_counter(${receipt.siteId}::uuid, 'RECEIPT'::counter_kind, ${receipt.year}::int) AS value)
    INSERT INTO receipts (id, site_id, job_id, payment_id, year, number, formatted_number, amount_cents, currency, issued_at)
    SELECT ${receipt.id}::uuid, ${receipt.siteId}::uuid, ${receipt.jobId}::uuid, ${receipt.paymentId}::uuid, ${receipt.year}::int, ${taken},
           ${receiptNumberSql(receipt.year, taken)}, ${receipt.amountCents}::int, ${receipt.currency}, ${receipt.issuedAt}::timestamptz
      FROM taken
    RETURNING id::text AS id, job_id::text AS "jobId", payment_id::text AS "paymentId", year, number, formatted_number AS "formattedNumber",
              amount_cents AS "amountCents", currency, issued_at AS "issuedAt"`;
}

/** The receipt number formatReceiptNumber writes, in SQL, for a sequence the statement has (`sequence`, an integer). */
function receiptNumberSql(year: number, sequence: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${receiptNumberPrefix(year)} || lpad(${sequence}::text, greatest(${YEARLY_SEQUENCE_DIGITS}::int, length(${sequence}::text)), '0')`;
}

/** The receipt of a payment, if it has one (a payment gets exactly one, in its transaction). */
export async function receiptOfPayment(tx: TransactionClient, siteId: string, paymentId: string, jobNumber: number): Promise<ReceiptView | null> {
  const row = await tx.receipt.findFirst({ where: { siteId, paymentId }, select: receiptRowSelect });
  return row ? toReceiptView(row, jobNumber) : null;
}

function loadReceipt(tx: TransactionClient, siteId: string, id: string): Promise<ReceiptRow & { job: { number: number } }> {
  return foundDocument(tx.receipt.findFirst({ where: { id, siteId }, select: { ...receiptRowSelect, ...withJobNumber } }), "receipt");
}

export function getReceipt(caller: MoneyCaller, id: string): Promise<ReceiptView> {
  return inSite(caller.prisma, caller.siteId, async (tx) => {
    const receipt = await loadReceipt(tx, caller.siteId, id);
    return toReceiptView(receipt, receipt.job.number);
  });
}

export function listReceiptsForJob(caller: MoneyCaller, jobId: string): Promise<ReceiptView[]> {
  return inSite(caller.prisma, caller.siteId, async (tx) => {
    const job = await findJob(tx, caller.siteId, jobId);
    const rows = await tx.receipt.findMany({
      where: { siteId: caller.siteId, jobId: job.id },
      orderBy: [{ issuedAt: "desc" }, { year: "desc" }, { number: "desc" }],
      select: receiptRowSelect,
    });
    return rows.map((row) => toReceiptView(row, job.number));
  });
}

/**
 * The receipt as a PDF, rendered on request like invoices (nothing on it changes after issue
 * except the job's title and customer details, which are shown as they are now).
 */
export async function receiptPdf(caller: MoneyCaller, id: string): Promise<PdfFile> {
  const content = await inSite(caller.prisma, caller.siteId, async (tx) => {
    const receipt = await loadReceipt(tx, caller.siteId, id);
    const job = await findJob(tx, caller.siteId, receipt.jobId);
    const site = await siteOf(tx, caller.siteId);
    const payment = receipt.paymentId
      ? await tx.payment.findFirst({ where: { id: receipt.paymentId, siteId: caller.siteId } })
      : null;
    // What had been paid once this payment was in. Every payment has its receipt, and receipt
    // numbers are handed out in the order the payments were recorded, so the job's receipts up
    // to this one add up to exactly that.
    const paidThen = await tx.receipt.aggregate({
      where: {
        siteId: caller.siteId,
        jobId: job.id,
        OR: [{ year: { lt: receipt.year } }, { year: receipt.year, number: { lte: receipt.number } }],
      },
      _sum: { amountCents: true },
    });
    return { receipt, job, site, payment, paidThen: paidThen._sum.amountCents ?? receipt.amountCents };
  });
  const { receipt, job, site, payment, paidThen } = content;
  const lines: DocumentLine[] = [];
  if (payment) {
    lines.push({ label: "Paid by", value: payment.provider });
    lines.push({ label: "Reference", value: payment.providerReference });
    lines.push({ label: "Received", value: formatDocumentDateTime(payment.receivedAt, site.timezone) });
  }
  const balance = job.priceCents - paidThen;
  const status =
    balance > 0 && receipt.currency === job.currency ? `Balance due: ${formatMoney(balance, job.currency)}` : "Paid in full";
  return numberedDocumentPdf(receipt, job, site, {
    kind: "Receipt",
    lines,
    totalLabel: "Amount received",
    status,
    notes: [`Pickup code: ${formatPickupCode(job.pickupCode)}. Bring it (or this receipt) to collect your order.`],
  });
}
