// Money and text as they are printed on invoices and receipts.

import { isWinAnsi } from "@orderdeck/contracts";

// The document locale and formatMoney live in contracts: the console words amounts the same way.
export { DOCUMENT_LOCALE, formatMoney } from "@orderdeck/contracts";

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
