import { formatPickupCode } from "@orderdeck/contracts";
import PDFDocument from "pdfkit";
import { printable } from "../money/format.ts";
import { BARCODE_DPI, pngSize, renderBarcodes, type Barcodes } from "./barcodes.ts";
import { pdfBytes } from "./pdf.ts";

/** A labelled line of a document: "Job  J-000123". */
export interface DocumentLine {
  label: string;
  value: string;
}

/**
 * Everything a printed invoice or receipt says, already formatted (numbers, dates in the site's
 * timezone, money): the renderer lays out text and decides nothing.
 */
export interface MoneyDocument {
  /** "Invoice" or "Receipt". */
  kind: string;
  shopName: string;
  number: string;
  date: string;
  /** Who it is for; empty when the job has no customer. */
  customer: string[];
  lines: DocumentLine[];
  totalLabel: string;
  total: string;
  /** The line under the total that says where the money stands: "Unpaid", "Paid in full", … */
  status: string;
  /** Small print at the bottom, e.g. the pickup code to bring along. */
  notes: string[];
  /** The job's pickup code (bare): printed as Code 128 and QR, as on the label, so the paper works at the counter. */
  pickupCode: string;
}

const MARGIN = 56;
const LABEL_WIDTH = 130;

// The barcodes keep the label's 300 dpi size: printed at 1:1 their modules are the label's.
const PX_TO_PT = 72 / BARCODE_DPI;

/** The pickup code as the label prints it: QR on the left, Code 128 beside it over the grouped code. */
function drawPickupCode(doc: PDFKit.PDFDocument, barcodes: Barcodes, code: string): void {
  const qr = pngSize(barcodes.qr);
  const code128 = pngSize(barcodes.code128);
  const qrSide = qr.width * PX_TO_PT;
  const code128Width = code128.width * PX_TO_PT;
  const code128Height = code128.height * PX_TO_PT;
  doc.fillColor("black").font("Helvetica-Bold").fontSize(10).text("Pickup code: show this at the counter", MARGIN, doc.y);
  const top = doc.y + 4;
  doc.image(barcodes.qr, MARGIN, top, { width: qrSide });
  const right = MARGIN + qrSide + 16;
  doc.image(barcodes.code128, right, top, { width: code128Width });
  doc.font("Helvetica-Bold").fontSize(16).text(formatPickupCode(code), right, top + code128Height + 6, { width: code128Width, align: "center", lineBreak: false });
  doc.font("Helvetica");
  doc.x = MARGIN;
  doc.y = top + Math.max(qrSide, code128Height + 30) + 6;
}

/** Renders a one-page A4 document with PDF's built-in Helvetica (nothing to install or embed). */
export async function renderMoneyDocument(document: MoneyDocument): Promise<Buffer> {
  const barcodes = await renderBarcodes(document.pickupCode);
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    info: { Title: `${document.kind} ${document.number}`, Author: document.shopName, Creator: "OrderDeck" },
  });
  return pdfBytes(doc, () => drawMoneyDocument(doc, document, barcodes));
}

function drawMoneyDocument(doc: PDFKit.PDFDocument, document: MoneyDocument, barcodes: Barcodes): void {
  const width = doc.page.width - 2 * MARGIN;
  doc.font("Helvetica-Bold").fontSize(20).text(printable(document.shopName), { width });
  doc.moveDown(0.6);
  doc.font("Helvetica-Bold").fontSize(14).text(`${printable(document.kind)} ${printable(document.number)}`, { width });
  doc.font("Helvetica").fontSize(10).fillColor("#444444").text(printable(document.date), { width });
  doc.fillColor("black").moveDown(1.2);

  if (document.customer.length > 0) {
    doc.font("Helvetica-Bold").fontSize(10).text(document.kind === "Receipt" ? "Received from" : "Bill to");
    doc.font("Helvetica").fontSize(11);
    for (const line of document.customer) doc.text(printable(line), { width });
    doc.moveDown(1.2);
  }

  doc.fontSize(11);
  for (const line of document.lines) {
    const y = doc.y;
    doc.font("Helvetica-Bold").text(printable(line.label, 40), MARGIN, y, { width: LABEL_WIDTH });
    doc.font("Helvetica").text(printable(line.value), MARGIN + LABEL_WIDTH, y, { width: width - LABEL_WIDTH });
    doc.moveDown(0.3);
  }

  doc.moveDown(1);
  const ruleY = doc.y;
  doc.moveTo(MARGIN, ruleY).lineTo(MARGIN + width, ruleY).strokeColor("#999999").stroke();
  doc.moveDown(0.6);
  const totalY = doc.y;
  doc.font("Helvetica-Bold").fontSize(14).text(printable(document.totalLabel, 40), MARGIN, totalY, { width: width / 2 });
  doc.text(printable(document.total), MARGIN + width / 2, totalY, { width: width / 2, align: "right" });
  doc.font("Helvetica").fontSize(11).text(printable(document.status), MARGIN, doc.y + 4, { width, align: "right" });

  doc.moveDown(2);
  drawPickupCode(doc, barcodes, document.pickupCode);

  if (document.notes.length > 0) {
    doc.moveDown(2).fontSize(9).fillColor("#444444");
    for (const note of document.notes) doc.text(printable(note, 400), MARGIN, doc.y, { width });
  }
}
