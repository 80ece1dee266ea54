import { z } from "zod";

// Input of the money procedures. Limits sit at or inside the database's CHECKs, so a value that
// passes here is never refused there. Control characters are refused because Postgres cannot
// store NUL in text or jsonb, and nobody types the others.

function freeOfControls(text: string, allowLineBreaks: boolean): boolean {
  for (const char of text) {
    const code = char.charCodeAt(0);
    const lineBreak = code === 0x09 || code === 0x0a || code === 0x0d;
    if ((code < 0x20 || code === 0x7f) && !(allowLineBreaks && lineBreak)) return false;
  }
  return true;
}
const noControl = (text: string) => freeOfControls(text, false);
const noControlButLineBreaks = (text: string) => freeOfControls(text, true);

export const MAX_AMOUNT_CENTS = 100_000_000;

const id = z.uuid();
export const PAYMENT_NOT_POSITIVE =
  "A payment must be more than 0; enter the amount received. (A job that is not to be paid is waived by a lead: payments.waive.)";

const amountCents = z.number().int().min(1, PAYMENT_NOT_POSITIVE).max(MAX_AMOUNT_CENTS);
const currency = z.string().regex(/^[A-Z]{3}$/, "a three-letter ISO 4217 code in capitals, e.g. EUR");
const provider = z.string().trim().min(1).max(40).refine(noControl, "no control characters");
const providerReference = z.string().trim().min(1).max(120).refine(noControl, "no control characters");
const reason = z.string().trim().min(1).max(500).refine(noControlButLineBreaks, "no control characters");

export const ById = z.object({ id });
export const ByJob = z.object({ jobId: id });

export const RecordPaymentInput = z.object({ jobId: id, provider, providerReference, amountCents, currency });
export const SettlementInput = z.object({ jobId: id, reason });
