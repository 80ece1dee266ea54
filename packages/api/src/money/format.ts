// Money and text as they are printed on invoices and receipts.

/** One locale for every document until sites carry one of their own. */
export const DOCUMENT_LOCALE = "en-GB";

// The characters of Windows-1252 (WinAnsi), the only ones PDF's built-in fonts can show.
const WIN_ANSI_EXTRAS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.includes(char);
}

/**
 * Text that the PDF's built-in fonts can show. Anything else (emoji, CJK, control characters)
 * would come out as random Latin glyphs, so it is replaced by "?" visibly instead; line breaks
 * become spaces because every field is printed on its own line.
 */
export function printable(text: string, maxLength = 200): string {
  let out = "";
  for (const char of text.normalize("NFC").replace(/[\r\n\t]+/g, " ")) {
    out += isWinAnsi(char) ? char : "?";
    if (out.length >= maxLength) return `${out.slice(0, maxLength - 1)}…`;
  }
  return out;
}

/**
 * An amount in minor units (cents, or yen, or fils: as many decimals as the currency has) as a
 * person reads it, e.g. "€1,234.50". When the currency's symbol is not printable with the
 * built-in fonts (₹, ₺, …) the ISO code is shown instead, never a wrong glyph.
 */
export function formatMoney(minorUnits: number, currency: string): string {
  const withSymbol = new Intl.NumberFormat(DOCUMENT_LOCALE, { style: "currency", currency });
  const digits = withSymbol.resolvedOptions().maximumFractionDigits ?? 2;
  const amount = minorUnits / 10 ** digits;
  const text = withSymbol.format(amount);
  if ([...text].every(isWinAnsi)) return text;
  return new Intl.NumberFormat(DOCUMENT_LOCALE, { style: "currency", currency, currencyDisplay: "code" }).format(amount);
}
