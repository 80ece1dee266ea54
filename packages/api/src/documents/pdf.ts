import PDFDocument from "pdfkit";
import { FONT_NAME, labelFontBytes } from "./font.ts";

export interface PdfPage {
  /** Page size in PostScript points (1/72 in). */
  width: number;
  height: number;
  margin: number;
  title: string;
}

export const MM = 72 / 25.4;

/** Runs `draw` on `doc`, ends it and answers the PDF's bytes. */
export function pdfBytes(doc: PDFKit.PDFDocument, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  draw(doc);
  doc.end();
  return finished;
}

function useLabelFont(doc: PDFKit.PDFDocument): void {
  doc.registerFont(FONT_NAME, labelFontBytes());
  doc.font(FONT_NAME);
}

/**
 * Lays out a document with `draw` and returns the PDF's bytes. The label font is registered as
 * FONT_NAME and selected before `draw` runs.
 */
export function renderPdf(page: PdfPage, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [page.width, page.height],
    margin: page.margin,
    info: { Title: page.title, Creator: "OrderDeck" },
  });
  return pdfBytes(doc, (d) => {
    useLabelFont(d);
    draw(d);
  });
}

/**
 * How far down the page `draw` gets on one endless page: receipt paper is a roll, so its PDF
 * page is made exactly as long as its content instead of an A4 sheet mostly blank.
 */
export function measureHeight(width: number, margin: number, draw: (doc: PDFKit.PDFDocument) => void): number {
  // 14 400 pt is the largest page PDF readers accept; nothing of ours is that long.
  const doc = new PDFDocument({ size: [width, 14_400], margin, autoFirstPage: true });
  useLabelFont(doc);
  draw(doc);
  // A few points of slack: the second layout must not spill onto a page of its own by rounding.
  const height = doc.y + margin + 6;
  // Nobody reads the measuring document: end it so pdfkit frees its buffers.
  doc.end();
  return Math.min(14_400, Math.ceil(height));
}
