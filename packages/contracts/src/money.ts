// Money as a person reads it, shared by the server's documents and the console's answers.

/** One locale for every document until sites carry one of their own. */
export const DOCUMENT_LOCALE = "en-GB";

// The characters of Windows-1252 (WinAnsi), the only ones PDF's built-in fonts can show.
const WIN_ANSI_EXTRAS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

export function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.includes(char);
}

/**
 * An amount in minor units (cents, or yen, or fils: as many decimals as the currency has) as a
 * person reads it, e.g. "€1,234.50". When the currency's symbol is not printable with the
 * built-in fonts (₹, ₺, …) the ISO code is shown instead, never a wrong glyph.
 */
export function formatMoney(minorUnits: number, currency: string): string {
  const { withSymbol, withCode, digits } = formattersFor(currency);
  const amount = minorUnits / 10 ** digits;
  const text = withSymbol.format(amount);
  if ([...text].every(isWinAnsi)) return text;
  return withCode.format(amount);
}

interface CurrencyFormatters {
  withSymbol: Intl.NumberFormat;
  withCode: Intl.NumberFormat;
  digits: number;
}

// Building an Intl.NumberFormat costs far more than formatting with one, and every pickup answer
// formats an amount. A shop deals in a handful of currencies; the bound keeps odd input from
// growing the cache.
const FORMATTERS = new Map<string, CurrencyFormatters>();
const FORMATTERS_MAX = 64;

function formattersFor(currency: string): CurrencyFormatters {
  const cached = FORMATTERS.get(currency);
  if (cached) return cached;
  const withSymbol = new Intl.NumberFormat(DOCUMENT_LOCALE, { style: "currency", currency });
  const formatters = {
    withSymbol,
    withCode: new Intl.NumberFormat(DOCUMENT_LOCALE, { style: "currency", currency, currencyDisplay: "code" }),
    digits: withSymbol.resolvedOptions().maximumFractionDigits ?? 2,
  };
  if (FORMATTERS.size < FORMATTERS_MAX) FORMATTERS.set(currency, formatters);
  return formatters;
}
