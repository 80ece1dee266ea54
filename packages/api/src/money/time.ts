import { DomainError, wallTimeAt } from "@orderdeck/contracts";

// Building a formatter loads the zone's rules and costs far more than formatting with it, so
// formatters are kept per zone and style (every document prints a date).
const formatters = new Map<string, Intl.DateTimeFormat>();
const FORMATTERS_KEPT = 256;

function formatterFor(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  const kept = formatters.get(key);
  if (kept) return kept;
  let made: Intl.DateTimeFormat;
  try {
    made = new Intl.DateTimeFormat("en-GB", { ...options, timeZone });
  } catch {
    // The zone comes from the site's settings, not from the caller: say so instead of a 500.
    throw new DomainError("VALIDATION_FAILED", `The site's timezone "${timeZone}" is not a known IANA zone; an admin must correct it.`);
  }
  if (formatters.size >= FORMATTERS_KEPT) formatters.clear();
  formatters.set(key, made);
  return made;
}

/**
 * The calendar year of `instant` at the site. Document numbers restart on the site's New Year,
 * not on UTC's: an invoice written at 00:30 on 1 January in Berlin is already next year's.
 */
export function yearInTimeZone(instant: Date, timeZone: string): number {
  return wallTimeAt(instant, timeZone).year;
}

/** The date printed on a document: the site's calendar day, e.g. "31 December 2026". */
export function formatDocumentDate(instant: Date, timeZone: string): string {
  return formatterFor(timeZone, { dateStyle: "long" }).format(instant);
}

/** Date and time at the site, for the moment a payment was received. */
export function formatDocumentDateTime(instant: Date, timeZone: string): string {
  return formatterFor(timeZone, { dateStyle: "long", timeStyle: "short" }).format(instant);
}
