import { DomainError } from "@orderdeck/contracts";

function formatterFor(timeZone: string, options: Intl.DateTimeFormatOptions, locale = "en-GB"): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone });
  } catch {
    // The zone comes from the site's settings, not from the caller: say so instead of a 500.
    throw new DomainError("VALIDATION_FAILED", `The site's timezone "${timeZone}" is not a known IANA zone; an admin must correct it.`);
  }
}

/**
 * The calendar year of `instant` at the site. Document numbers restart on the site's New Year,
 * not on UTC's: an invoice written at 00:30 on 1 January in Berlin is already next year's.
 */
export function yearInTimeZone(instant: Date, timeZone: string): number {
  const year = formatterFor(timeZone, { year: "numeric" }, "en-US")
    .formatToParts(instant)
    .find((part) => part.type === "year")?.value;
  return Number(year);
}

/** The date printed on a document: the site's calendar day, e.g. "31 December 2026". */
export function formatDocumentDate(instant: Date, timeZone: string): string {
  return formatterFor(timeZone, { dateStyle: "long" }).format(instant);
}

/** Date and time at the site, for the moment a payment was received. */
export function formatDocumentDateTime(instant: Date, timeZone: string): string {
  return formatterFor(timeZone, { dateStyle: "long", timeStyle: "short" }).format(instant);
}
