import { DomainError, formatJobNumber, formatPickupCode, formatReceiptNumber } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import {
  customerLines,
  findJob,
  pdfFile,
  siteOf,
  takeDocumentNumber,
  type MoneyCaller,
  type PdfFile,
  type SiteForDocuments,
} from "../money/common.ts";
import { formatMoney } from "../money/format.ts";
import { renderMoneyDocument } from "../documents/money-document.ts";
import { formatDocumentDate, formatDocumentDateTime } from "../money/time.ts";

export interface ReceiptView {
  id: string;
  jobId: string;
  jobNumber: string;
  paymentId: string | null;
  /** `RCT-2026-0001` */
  number: string;
  year: number;
  sequence: number;
  amountCents: number;
  currency: string;
  issuedAt: string;
}

export const receiptRowSelect = {
  id: true,
  jobId: true,
  paymentId: true,
  year: true,
  number: true,
  formattedNumber: true,
  amountCents: true,
  currency: true,
  issuedAt: true,
} as const;

interface ReceiptRow {
  id: string;
  jobId: string;
  paymentId: string | null;
  year: number;
  number: number;
  formattedNumber: string;
  amountCents: number;
  currency: string;
  issuedAt: Date;
}

export function toReceiptView(row: ReceiptRow, jobNumber: number): ReceiptView {
  return {
    id: row.id,
    jobId: row.jobId,
    jobNumber: formatJobNumber(jobNumber),
    paymentId: row.paymentId,
    number: row.formattedNumber,
    year: row.year,
    sequence: row.number,
    amountCents: row.amountCents,
    currency: row.currency,
    issuedAt: row.issuedAt.toISOString(),
  };
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
  const receipt = await tx.receipt.create({
    data: {
      ...(input.id ? { id: input.id } : {}),
      siteId: input.siteId,
      jobId: input.job.id,
      paymentId: input.payment.id,
      year,
      number,
      formattedNumber: formatReceiptNumber(year, number),
      amountCents: input.payment.amountCents,
      currency: input.payment.currency,
      issuedAt: input.issuedAt,
    },
    select: receiptRowSelect,
  });
  return toReceiptView(receipt, input.job.number);
}

/** The receipt of a payment, if it has one (a payment gets exactly one, in its transaction). */
export async function receiptOfPayment(tx: TransactionClient, siteId: string, paymentId: string, jobNumber: number): Promise<ReceiptView | null> {
  const row = await tx.receipt.findFirst({ where: { siteId, paymentId }, select: receiptRowSelect });
  return row ? toReceiptView(row, jobNumber) : null;
}

async function loadReceipt(tx: TransactionClient, siteId: string, id: string): Promise<ReceiptRow & { job: { number: number } }> {
  const receipt = await tx.receipt.findFirst({ where: { id, siteId }, select: { ...receiptRowSelect, job: { select: { number: true } } } });
  if (!receipt) throw new DomainError("NOT_FOUND", "That receipt does not exist (or not at this site).");
  return receipt;
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
  const lines = [
    { label: "Job", value: formatJobNumber(job.number) },
    { label: "Item", value: job.title },
  ];
  if (payment) {
    lines.push({ label: "Paid by", value: payment.provider });
    lines.push({ label: "Reference", value: payment.providerReference });
    lines.push({ label: "Received", value: formatDocumentDateTime(payment.receivedAt, site.timezone) });
  }
  const balance = job.priceCents - paidThen;
  const status =
    balance > 0 && receipt.currency === job.currency ? `Balance due: ${formatMoney(balance, job.currency)}` : "Paid in full";
  const bytes = await renderMoneyDocument({
    kind: "Receipt",
    shopName: site.name,
    number: receipt.formattedNumber,
    date: formatDocumentDate(receipt.issuedAt, site.timezone),
    customer: customerLines(job.customer),
    lines,
    totalLabel: "Amount received",
    total: formatMoney(receipt.amountCents, receipt.currency),
    status,
    notes: [`Pickup code: ${formatPickupCode(job.pickupCode)}. Bring it (or this receipt) to collect your order.`],
    pickupCode: job.pickupCode,
  });
  return pdfFile(receipt.formattedNumber, bytes);
}
