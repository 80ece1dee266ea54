import { DomainError, formatInvoiceNumber, type PaymentStatus } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import { recordJobEvent } from "../jobs/events.ts";
import { emitWebhookEvent } from "../webhooks/events.ts";
import {
  findJob,
  jobLabel,
  lockJob,
  paidCents,
  siteOf,
  takeDocumentNumber,
  type JobMoneyChange,
  type MoneyCaller,
  type PdfFile,
} from "../money/common.ts";
import { formatMoney } from "../money/format.ts";
import type { DocumentLine } from "../documents/money-document.ts";
import { foundDocument, numberedDocumentPdf, numberedDocumentSelect, numberedDocumentView, withJobNumber, type NumberedDocumentRow, type NumberedDocumentView } from "../money/numbered-document.ts";

/** An invoice as the API shows it (the stored PDF bytes are never part of it). */
export interface InvoiceView extends NumberedDocumentView {
  /** The invoice that replaced this one after the job's price changed, if any. */
  supersededBy: string | null;
}

type InvoiceRow = NumberedDocumentRow;

function toView(row: InvoiceRow, jobNumber: number, supersededBy: string | null): InvoiceView {
  return { ...numberedDocumentView(row, jobNumber), supersededBy };
}

const invoiceRowSelect = numberedDocumentSelect;

// Newest first; the number breaks ties between invoices of one millisecond.
const newestFirst = [{ issuedAt: "desc" as const }, { year: "desc" as const }, { number: "desc" as const }];

export interface IssueInvoiceInput extends JobMoneyChange {
  /** The moment of issue; only tests and imports pass one (it decides the number's year). */
  now?: Date | undefined;
}

/**
 * Issues an invoice for the job's current price, inside the caller's transaction.
 *
 * Rule: a job has one current invoice. Asking again while the newest invoice still matches the
 * job's price and currency is refused (DUPLICATE → CONFLICT, details carry the existing
 * invoice); after the price or currency changed, a new invoice with a new number is issued and
 * supersedes the old one, which stays on record (invoice numbers are never reused or deleted).
 * Cancelled, waived, refunded and unpriced jobs are not invoiced.
 *
 * All refusals (DomainError) happen before the number is taken and before anything is written,
 * so a caller that catches one can go on using the transaction. The number is taken last; any
 * later failure rolls the transaction back and the number with it.
 */
export async function issueInvoice(tx: TransactionClient, input: IssueInvoiceInput): Promise<InvoiceView> {
  const job = await lockJob(tx, input.siteId, input.jobId);
  const label = jobLabel(job);
  if (job.status === "CANCELLED") throw new DomainError("CANCELLED", `${label} is cancelled; a cancelled job is not invoiced.`);
  const notInvoiceable: Partial<Record<PaymentStatus, string>> = {
    WAIVED: `${label} was waived: nothing is owed, so there is nothing to invoice.`,
    REFUNDED: `${label} was refunded; it cannot be invoiced again.`,
  };
  const refusal = notInvoiceable[job.paymentStatus];
  if (refusal) throw new DomainError("NOT_READY", refusal, { paymentStatus: job.paymentStatus });
  if (job.priceCents <= 0) throw new DomainError("NOT_READY", `${label} has no price yet; set its price before invoicing it.`);

  const previous = await tx.invoice.findFirst({ where: { siteId: input.siteId, jobId: job.id }, orderBy: newestFirst, select: invoiceRowSelect });
  if (previous && previous.amountCents === job.priceCents && previous.currency === job.currency) {
    throw new DomainError(
      "DUPLICATE",
      `${label} already has invoice ${previous.formattedNumber} for this price; a new one is issued only after the price changes.`,
      { invoiceId: previous.id, number: previous.formattedNumber },
    );
  }

  const site = await siteOf(tx, input.siteId);
  const issuedAt = input.now ?? new Date();
  const { year, number } = await takeDocumentNumber(tx, input.siteId, "INVOICE", issuedAt, site.timezone);
  const formattedNumber = formatInvoiceNumber(year, number);
  const invoice = await tx.invoice.create({
    data: {
      siteId: input.siteId,
      jobId: job.id,
      year,
      number,
      formattedNumber,
      amountCents: job.priceCents,
      currency: job.currency,
      issuedAt,
    },
    select: invoiceRowSelect,
  });
  await recordJobEvent(tx, {
    siteId: input.siteId,
    jobId: job.id,
    actor: input.actor,
    type: "invoiced",
    before: previous ? { invoiceId: previous.id, invoice: previous.formattedNumber, amountCents: previous.amountCents, currency: previous.currency } : undefined,
    after: { invoiceId: invoice.id, invoice: formattedNumber, amountCents: invoice.amountCents, currency: invoice.currency },
    requestId: input.requestId,
  });
  const view = toView(invoice, job.number, null);
  await emitWebhookEvent(tx, {
    siteId: input.siteId,
    type: "invoice.issued",
    occurredAt: issuedAt,
    data: {
      invoice: { id: view.id, number: view.number, amountCents: view.amountCents, currency: view.currency, issuedAt: view.issuedAt },
      job: { id: job.id, number: view.jobNumber },
      ...(previous ? { supersedes: previous.formattedNumber } : {}),
    },
  });
  return view;
}

export function createInvoice(caller: MoneyCaller, jobId: string): Promise<InvoiceView> {
  return inSite(caller.prisma, caller.siteId, (tx) =>
    issueInvoice(tx, { siteId: caller.siteId, jobId, actor: caller.actor, requestId: caller.requestId }),
  );
}

async function supersedingNumber(tx: TransactionClient, siteId: string, row: InvoiceRow): Promise<string | null> {
  const later = await tx.invoice.findFirst({
    where: {
      siteId,
      jobId: row.jobId,
      OR: [{ issuedAt: { gt: row.issuedAt } }, { issuedAt: row.issuedAt, year: { gt: row.year } }, { issuedAt: row.issuedAt, year: row.year, number: { gt: row.number } }],
    },
    orderBy: newestFirst,
    select: { formattedNumber: true },
  });
  return later?.formattedNumber ?? null;
}

function loadInvoice(tx: TransactionClient, siteId: string, id: string): Promise<InvoiceRow & { job: { number: number } }> {
  return foundDocument(tx.invoice.findFirst({ where: { id, siteId }, select: { ...invoiceRowSelect, ...withJobNumber } }), "invoice");
}

export function getInvoice(caller: MoneyCaller, id: string): Promise<InvoiceView> {
  return inSite(caller.prisma, caller.siteId, async (tx) => {
    const invoice = await loadInvoice(tx, caller.siteId, id);
    return toView(invoice, invoice.job.number, await supersedingNumber(tx, caller.siteId, invoice));
  });
}

/** Every invoice of a job, newest first; all but the newest are superseded. */
export function listInvoicesForJob(caller: MoneyCaller, jobId: string): Promise<InvoiceView[]> {
  return inSite(caller.prisma, caller.siteId, async (tx) => {
    const job = await findJob(tx, caller.siteId, jobId);
    const rows = await tx.invoice.findMany({ where: { siteId: caller.siteId, jobId: job.id }, orderBy: newestFirst, select: invoiceRowSelect });
    return rows.map((row, i) => toView(row, job.number, i === 0 ? null : (rows[i - 1]?.formattedNumber ?? null)));
  });
}

function paymentState(status: PaymentStatus, paid: number, amountCents: number, currency: string): string {
  switch (status) {
    case "PAID":
      return "Paid";
    case "WAIVED":
      return "Waived: nothing to pay";
    case "REFUNDED":
      return "Refunded";
    case "UNPAID":
      return paid > 0 ? `Unpaid: ${formatMoney(paid, currency)} received, ${formatMoney(Math.max(amountCents - paid, 0), currency)} due` : "Unpaid";
  }
}

/**
 * The invoice as a PDF. Rendered on request rather than stored at issue: the amount, number
 * and date are fixed on the invoice row, while the paid / unpaid line must show the state of
 * today. Rendering runs after the transaction, so no connection is held while it runs.
 */
export async function invoicePdf(caller: MoneyCaller, id: string): Promise<PdfFile> {
  const content = await inSite(caller.prisma, caller.siteId, async (tx) => {
    const invoice = await loadInvoice(tx, caller.siteId, id);
    const job = await findJob(tx, caller.siteId, invoice.jobId);
    const site = await siteOf(tx, caller.siteId);
    const paid = await paidCents(tx, caller.siteId, job.id);
    const supersededBy = await supersedingNumber(tx, caller.siteId, invoice);
    return { invoice, job, site, paid, supersededBy };
  });
  const { invoice, job, site, paid, supersededBy } = content;
  const lines: DocumentLine[] = [];
  if (job.material) lines.push({ label: "Material", value: job.colour ? `${job.material}, ${job.colour}` : job.material });
  lines.push({ label: "Quantity", value: String(job.quantity) });
  const notes = [`Please quote ${invoice.formattedNumber} with your payment.`];
  if (supersededBy) notes.unshift(`This invoice was replaced by ${supersededBy} after the price changed; it is no longer payable.`);
  return numberedDocumentPdf(invoice, job, site, {
    kind: "Invoice",
    lines,
    totalLabel: "Amount",
    status: supersededBy ? "Superseded" : paymentState(job.paymentStatus, paid, invoice.amountCents, invoice.currency),
    notes,
  });
}
