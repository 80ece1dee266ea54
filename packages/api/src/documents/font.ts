// The one typeface of labels and handoff printouts: the Inconsolata that ships inside bwip-js.
// PDF's built-in fonts show only Windows-1252, which turns a "Łukasz" on a label into garbage;
// this font covers Latin-1 and Latin Extended-A, and the same file draws the PNG's text (through
// bwip-js's own rasteriser) and is embedded in the PDFs, so all three formats agree.
import bwipjs from "bwip-js/node";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const FONT_NAME = "OrderDeckLabel";

let fontBytes: Buffer | undefined;
let fontId: number | undefined;

/** The OTF file's bytes (for pdfkit's registerFont). */
export function labelFontBytes(): Buffer {
  if (!fontBytes) {
    // bwip-js exports no subpath for its fonts folder; it sits next to the resolved entry's dist/.
    const entry = createRequire(import.meta.url).resolve("bwip-js");
    fontBytes = readFileSync(join(dirname(entry), "..", "fonts", "Inconsolata.otf"));
  }
  return fontBytes;
}

/** The font's id in bwip-js's FontLib (for rasterising glyphs into the PNG). */
export function labelFontId(): number {
  if (fontId === undefined) {
    bwipjs.FontLib.loadFont(FONT_NAME, labelFontBytes());
    fontId = bwipjs.FontLib.lookup(FONT_NAME);
  }
  return fontId;
}

const covered = new Map<number, boolean>();

function hasGlyph(codePoint: number): boolean {
  let known = covered.get(codePoint);
  if (known === undefined) {
    known = codePoint === 32 || bwipjs.FontLib.getglyph(labelFontId(), codePoint, 20, 20).glyph !== 0;
    covered.set(codePoint, known);
  }
  return known;
}

/**
 * Text the label font can draw: one line, at most `maxLength` characters, and "?" for each
 * character it has no glyph for (emoji, CJK), so a missing glyph is visible rather than blank.
 */
export function printableText(text: string, maxLength = 200): string {
  let out = "";
  for (const char of text.normalize("NFC").replace(/\s+/g, " ").trim()) {
    out += hasGlyph(char.codePointAt(0) ?? 0x3f) ? char : "?";
    if (out.length >= maxLength) return `${out.slice(0, maxLength - 1)}…`;
  }
  return out;
}

/** Breaks `text` into at most `maxLines` lines of `width` characters (the font is monospaced). */
export function wrapText(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    let rest = word;
    while (rest.length > width) {
      if (current) {
        lines.push(current);
        current = "";
      }
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    if (!current) current = rest;
    else if (current.length + 1 + rest.length <= width) current += ` ${rest}`;
    else {
      lines.push(current);
      current = rest;
    }
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines;
  // The last line takes what is left, cut mid-word if need be: a name cut after its first word
  // would say less than one cut at the edge of the label.
  const rest = lines.slice(maxLines - 1).join(" ");
  return [...lines.slice(0, maxLines - 1), `${rest.slice(0, Math.max(0, width - 1)).trimEnd()}…`];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
