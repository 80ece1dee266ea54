import { DomainError, formatJobNumber } from "@orderdeck/contracts";
import { renderMoneyDocument, type DocumentLine } from "../documents/money-document.ts";
import { customerLines, pdfFile, type MoneyJob, type PdfFile, type SiteForDocuments } from "./common.ts";
import { formatMoney } from "./format.ts";
import { formatDocumentDate } from "./time.ts";

// Invoices and receipts are the same kind of record: an amount for a job, numbered per site and
// year when issued. What they hold, show and print in common is stated here once, so the two
// cannot drift apart in how a number or an amount reads.

export const numberedDocumentSelect = {
  id: true,
  jobId: true,
  year: true,
  number: true,
  formattedNumber: true,
  amountCents: true,
  currency: true,
  issuedAt: true,
} as const;

/** Selected beside a document's own fields where its view needs the job's number. */
export const withJobNumber = { job: { select: { number: true } } } as const;

/** The document a site's lookup found, or NOT_FOUND in the words the API answers with. */
export async function foundDocument<T>(lookup: Promise<T | null>, what: "invoice" | "receipt"): Promise<T> {
  const document = await lookup;
  if (!document) throw new DomainError("NOT_FOUND", `That ${what} does not exist (or not at this site).`);
  return document;
}

export interface NumberedDocumentRow {
  id: string;
  jobId: string;
  year: number;
  number: number;
  formattedNumber: string;
  amountCents: number;
  currency: string;
  issuedAt: Date;
}

/** An invoice or receipt as the API shows it (the stored PDF bytes are never part of it). */
export interface NumberedDocumentView {
  id: string;
  jobId: string;
  /** `J-000123` */
  jobNumber: string;
  /** `INV-2026-0001`, `RCT-2026-0001` */
  number: string;
  year: number;
  sequence: number;
  amountCents: number;
  currency: string;
  /** ISO 8601, UTC. */
  issuedAt: string;
}

export function numberedDocumentView(row: NumberedDocumentRow, jobNumber: number): NumberedDocumentView {
  return {
    id: row.id,
    jobId: row.jobId,
    jobNumber: formatJobNumber(jobNumber),
    number: row.formattedNumber,
    year: row.year,
    sequence: row.number,
    amountCents: row.amountCents,
    currency: row.currency,
    issuedAt: row.issuedAt.toISOString(),
  };
}

/** What differs between an invoice's and a receipt's paper; the rest comes from the row, job and site. */
export interface DocumentParts {
  kind: "Invoice" | "Receipt";
  /** Lines after the job's number and title. */
  lines: DocumentLine[];
  totalLabel: string;
  status: string;
  notes: string[];
}

export async function numberedDocumentPdf(document: NumberedDocumentRow, job: MoneyJob, site: SiteForDocuments, parts: DocumentParts): Promise<PdfFile> {
  const bytes = await renderMoneyDocument({
    kind: parts.kind,
    shopName: site.name,
    number: document.formattedNumber,
    date: formatDocumentDate(document.issuedAt, site.timezone),
    customer: customerLines(job.customer),
    lines: [{ label: "Job", value: formatJobNumber(job.number) }, { label: "Item", value: job.title }, ...parts.lines],
    totalLabel: parts.totalLabel,
    total: formatMoney(document.amountCents, document.currency),
    status: parts.status,
    notes: parts.notes,
    pickupCode: job.pickupCode,
  });
  return pdfFile(document.formattedNumber, bytes);
}
