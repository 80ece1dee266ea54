import { randomUUID } from "node:crypto";
import { formatPickupCode, formatReceiptNumber } from "@orderdeck/contracts";
import { inSite, Prisma, type TransactionClient } from "@orderdeck/db";
import { findJob, siteOf, takeDocumentNumber, type MoneyCaller, type PdfFile, type SiteForDocuments } from "../money/common.ts";
import { formatMoney } from "../money/format.ts";
import type { DocumentLine } from "../documents/money-document.ts";
import { foundDocument, numberedDocumentPdf, numberedDocumentSelect, numberedDocumentView, withJobNumber, type NumberedDocumentRow, type NumberedDocumentView } from "../money/numbered-document.ts";
import { formatDocumentDateTime } from "../money/time.ts";

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

/** The receipt for one payment, numbered in the caller's transaction (see takeDocumentNumber). */
export async function issueReceipt(tx: TransactionClient, input: IssueReceiptInput): Promise<ReceiptView> {
  const { year, number } = await takeDocumentNumber(tx, input.siteId, "RECEIPT", input.issuedAt, input.site.timezone);
  const receipt = newReceipt({
    id: input.id ?? randomUUID(),
    siteId: input.siteId,
    jobId: input.job.id,
    paymentId: input.payment.id,
    year,
    number,
    amountCents: input.payment.amountCents,
    currency: input.payment.currency,
    issuedAt: input.issuedAt,
  });
  await tx.$queryRaw(receipt.statement);
  return toReceiptView(receipt.row, input.job.number);
}

/** A numbered receipt about to be stored. */
export interface NewReceipt {
  id: string;
  siteId: string;
  jobId: string;
  paymentId: string | null;
  year: number;
  number: number;
  amountCents: number;
  currency: string;
  issuedAt: Date;
}

/**
 * A numbered receipt's INSERT and its row as stored, for a caller that sends the INSERT with the
 * change's other statements: nothing in the row is decided by the database.
 */
export function newReceipt(receipt: NewReceipt): { statement: Prisma.Sql; row: ReceiptRow } {
  const formattedNumber = formatReceiptNumber(receipt.year, receipt.number);
  return {
    statement: Prisma.sql`
      INSERT INTO receipts (id, site_id, job_id, payment_id, year, number, formatted_number, amount_cents, currency, issued_at)
      VALUES (${receipt.id}::uuid, ${receipt.siteId}::uuid, ${receipt.jobId}::uuid, ${receipt.paymentId}::uuid, ${receipt.year}::int, ${receipt.number}::int,
              ${formattedNumber}, ${receipt.amountCents}::int, ${receipt.currency}, ${receipt.issuedAt}::timestamptz)`,
    row: {
      id: receipt.id,
      jobId: receipt.jobId,
      paymentId: receipt.paymentId,
      year: receipt.year,
      number: receipt.number,
      formattedNumber,
      amountCents: receipt.amountCents,
      currency: receipt.currency,
      issuedAt: receipt.issuedAt,
    },
  };
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
