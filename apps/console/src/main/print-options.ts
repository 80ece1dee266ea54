import path from "node:path";
import type { PrintToPDFOptions, WebContentsPrintOptions } from "electron";
import { z } from "zod";
import type { PrintPageSize } from "../shared/transport.ts";

// Pure: what the renderer asks for, mapped onto Electron's print options. Electron measures the
// same paper in two units — microns for `webContents.print`, inches for `printToPDF`.

/** An 80 mm receipt roll: Chromium needs a finite height, so one A4-length strip per page. */
const ROLL_WIDTH_MM = 80;
const ROLL_PAGE_HEIGHT_MM = 297;
/** Receipt printers cannot print to the paper's edge; a narrow margin keeps text off it. */
const ROLL_MARGIN_MM = 4;

const MICRONS_PER_MM = 1000;
const MM_PER_INCH = 25.4;

export const PrintPageSizeSchema = z.enum(["A4", "Letter", "80mm"]) satisfies z.ZodType<PrintPageSize>;

export const PrintRequestSchema = z.strictObject({ pageSize: PrintPageSizeSchema });

export const SaveAsPdfRequestSchema = z.strictObject({
  pageSize: PrintPageSizeSchema,
  suggestedName: z.string().max(200),
});

const inches = (mm: number): number => Math.round((mm / MM_PER_INCH) * 10_000) / 10_000;

/** Options for `webContents.print`: always the system dialog, so the person picks the printer. */
export function printOptions(pageSize: PrintPageSize): WebContentsPrintOptions {
  if (pageSize === "80mm") {
    return {
      silent: false,
      printBackground: true,
      pageSize: { width: ROLL_WIDTH_MM * MICRONS_PER_MM, height: ROLL_PAGE_HEIGHT_MM * MICRONS_PER_MM },
      margins: { marginType: "printableArea" },
    };
  }
  return { silent: false, printBackground: true, pageSize };
}

/** Options for `webContents.printToPDF`. */
export function pdfOptions(pageSize: PrintPageSize): PrintToPDFOptions {
  if (pageSize === "80mm") {
    const margin = inches(ROLL_MARGIN_MM);
    return {
      printBackground: true,
      pageSize: { width: inches(ROLL_WIDTH_MM), height: inches(ROLL_PAGE_HEIGHT_MM) },
      margins: { top: margin, bottom: margin, left: margin, right: margin },
    };
  }
  return { printBackground: true, pageSize };
}

const UNSAFE_FILE_NAME_CHARACTERS = /[<>:"/\\|?*]/g;
const isControlCharacter = (character: string): boolean => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f;

/**
 * The name offered in the save dialog. The renderer suggests it, so it is treated as untrusted: a
 * bare file name (no folders, no characters Windows refuses), ending in .pdf.
 */
export function pdfFileName(suggested: string): string {
  const base = path.win32.basename(path.posix.basename(suggested));
  const visible = [...base].map((character) => (isControlCharacter(character) ? "-" : character)).join("");
  const cleaned = visible.replace(UNSAFE_FILE_NAME_CHARACTERS, "-").replace(/^[.\s]+|[.\s]+$/g, "").slice(0, 120);
  const stem = cleaned.replace(/\.pdf$/i, "");
  return `${stem || "orderdeck"}.pdf`;
}
