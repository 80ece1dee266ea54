/**
 * Human document numbers. The database stores the plain integers (and, for invoices and
 * receipts, the formatted number, so a search by what is printed on paper is an index lookup);
 * these functions are the one place that decides how they look, shared by server, PDFs and
 * console.
 */

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

function documentYear(year: number): number {
  // The same range as the invoices / receipts / counters CHECK constraints.
  if (!Number.isSafeInteger(year) || year < 2000 || year > 9999) throw new RangeError(`year must be between 2000 and 9999, got ${year}`);
  return year;
}

/** `J-000123`; past 999 999 the number simply grows wider, it is never truncated. */
export function formatJobNumber(number: number): string {
  return `J-${String(positiveInteger(number, "job number")).padStart(6, "0")}`;
}

/** A yearly number's sequence is written with at least this many digits, zero-padded; a longer one grows wider. */
export const YEARLY_SEQUENCE_DIGITS = 4;

function formatYearly(prefix: string, year: number, number: number, what: string): string {
  return `${prefix}-${documentYear(year)}-${String(positiveInteger(number, what)).padStart(YEARLY_SEQUENCE_DIGITS, "0")}`;
}

/** `INV-2026-0001`: the sequence restarts every year (in the site's timezone) at every site. */
export function formatInvoiceNumber(year: number, number: number): string {
  return formatYearly("INV", year, number, "invoice number");
}

/** `RCT-2026-0001`, numbered like invoices but on a counter of its own. */
export function formatReceiptNumber(year: number, number: number): string {
  return formatYearly("RCT", year, number, "receipt number");
}

/**
 * `RCT-2026-`: a receipt number before its sequence, for a statement that writes the number
 * from a sequence the database takes (the sequence then written as YEARLY_SEQUENCE_DIGITS says).
 */
export function receiptNumberPrefix(year: number): string {
  return formatReceiptNumber(year, 1).slice(0, -YEARLY_SEQUENCE_DIGITS);
}
