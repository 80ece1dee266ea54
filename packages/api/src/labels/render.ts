// A job label as PNG, HTML and PDF, all from the same content and layout.
//
// Label stock: 62 mm wide, cut at 100 mm: Brother QL "DK-22205" continuous roll, the usual
// label printer of a small shop. The PNG is 300 dpi (732 x 1181 px), what those printers print
// natively; the HTML asks for a 62 x 100 mm page; the PDF page is 62 x 100 mm.
//
// Both barcodes carry exactly the pickup code (ten symbols, no dash), so any scanner or decoder
// gives back what pickup.confirm expects; the dash appears only in the human-readable text.
import bwipjs from "bwip-js/node";
import { PNG } from "pngjs";
import { labelFontId, escapeHtml, wrapText, FONT_NAME } from "../documents/font.ts";
import { BARCODE_DPI, pngSize, renderBarcodes } from "../documents/barcodes.ts";
import { MM, renderPdf } from "../documents/pdf.ts";

export interface LabelContent {
  shopName: string;
  jobNumber: string;
  customer: string | null;
  title: string;
  /** Already formatted in the site's timezone, e.g. "Mon 30 Mar 2026, 14:00"; null without a due date. */
  due: string | null;
  quantity: number;
  /** The bare code the barcodes encode. */
  pickupCode: string;
  /** The same code grouped for reading aloud: "ABCDE-FGHJK". */
  groupedCode: string;
}

export const LABEL_WIDTH_MM = 62;
export const LABEL_HEIGHT_MM = 100;
// The label is printed at the barcodes' resolution, so they paste in 1:1.
const LABEL_DPI = BARCODE_DPI;

const PX_PER_MM = LABEL_DPI / 25.4;
const WIDTH_PX = Math.round(LABEL_WIDTH_MM * PX_PER_MM);
const HEIGHT_PX = Math.round(LABEL_HEIGHT_MM * PX_PER_MM);
const MARGIN_PX = Math.round(3 * PX_PER_MM);

// ---- PNG ---------------------------------------------------------------------------------------

class Canvas {
  readonly png: PNG;

  constructor(width: number, height: number) {
    this.png = new PNG({ width, height });
    this.png.data.fill(255);
  }

  /** Darkens one pixel by `coverage` (0..255) towards black. */
  private ink(x: number, y: number, coverage: number): void {
    if (x < 0 || y < 0 || x >= this.png.width || y >= this.png.height) return;
    const i = (y * this.png.width + x) * 4;
    for (let c = 0; c < 3; c++) {
      const current = this.png.data[i + c] ?? 255;
      this.png.data[i + c] = Math.round((current * (255 - coverage)) / 255);
    }
    this.png.data[i + 3] = 255;
  }

  /** Draws `text` with its baseline at `baseline`; returns the x where the text ends. */
  text(text: string, x: number, baseline: number, sizePx: number): number {
    const font = labelFontId();
    let pen = x;
    for (const char of text) {
      const glyph = bwipjs.FontLib.getglyph(font, char.codePointAt(0) ?? 0x3f, sizePx, sizePx);
      const bytes = glyph.bytes;
      if (bytes) {
        for (let j = 0; j < glyph.height; j++) {
          for (let i = 0; i < glyph.width; i++) {
            const coverage = bytes[glyph.offset + j * glyph.width + i] ?? 0;
            if (coverage) this.ink(pen + glyph.left + i, baseline - glyph.top + j, coverage);
          }
        }
      }
      pen += glyph.advance;
    }
    return pen;
  }

  textWidth(text: string, sizePx: number): number {
    const font = labelFontId();
    let width = 0;
    for (const char of text) width += bwipjs.FontLib.getglyph(font, char.codePointAt(0) ?? 0x3f, sizePx, sizePx).advance;
    return width;
  }

  /** Copies a PNG in at (x, y), blending by its alpha. */
  image(source: Buffer, x: number, y: number): { width: number; height: number } {
    const image = PNG.sync.read(source);
    for (let j = 0; j < image.height; j++) {
      for (let i = 0; i < image.width; i++) {
        const s = (j * image.width + i) * 4;
        const alpha = (image.data[s + 3] ?? 0) / 255;
        const luminance = ((image.data[s] ?? 255) + (image.data[s + 1] ?? 255) + (image.data[s + 2] ?? 255)) / 3;
        const darkness = Math.round((255 - luminance) * alpha);
        if (darkness) this.ink(x + i, y + j, darkness);
      }
    }
    return { width: image.width, height: image.height };
  }

  rule(y: number, x0: number, x1: number, thickness: number): void {
    for (let j = 0; j < thickness; j++) for (let x = x0; x < x1; x++) this.ink(x, y + j, 255);
  }

  encode(): Buffer {
    // Greyscale: a third of the bytes, and what thermal label printers take anyway.
    return PNG.sync.write(this.png, { colorType: 0 });
  }
}

/** Characters per line that fit the label at `sizePx` (the font is monospaced). */
function charsPerLine(canvas: Canvas, sizePx: number): number {
  return Math.floor((WIDTH_PX - 2 * MARGIN_PX) / canvas.textWidth("M", sizePx));
}

export interface LabelPng {
  png: Buffer;
  widthPx: number;
  heightPx: number;
  dpi: number;
}

export async function renderLabelPng(content: LabelContent): Promise<LabelPng> {
  const barcodes = await renderBarcodes(content.pickupCode);
  const canvas = new Canvas(WIDTH_PX, HEIGHT_PX);
  const left = MARGIN_PX;
  let y = MARGIN_PX;

  y += 30;
  canvas.text(content.shopName, left, y, 30);
  y += 96;
  canvas.text(content.jobNumber, left, y, 100);
  y += 24;
  canvas.rule(y, left, WIDTH_PX - MARGIN_PX, 4);
  y += 60;
  if (content.customer) {
    canvas.text(wrapText(content.customer, charsPerLine(canvas, 48), 1)[0] ?? "", left, y, 48);
    y += 54;
  }
  for (const line of wrapText(content.title, charsPerLine(canvas, 40), 2)) {
    canvas.text(line, left, y, 40);
    y += 46;
  }
  const details = [content.due ? `Due ${content.due}` : null, content.quantity > 1 ? `Qty ${content.quantity}` : null].filter(
    (d): d is string => d !== null,
  );
  for (const line of details) {
    canvas.text(wrapText(line, charsPerLine(canvas, 34), 1)[0] ?? "", left, y, 34);
    y += 42;
  }

  // QR on the left, the code in two large groups beside it, Code 128 across the bottom.
  const code128Size = pngSize(barcodes.code128);
  const groupedTextY = HEIGHT_PX - MARGIN_PX - 10;
  const code128Y = groupedTextY - 70 - code128Size.height;
  const qrSize = pngSize(barcodes.qr);
  const qrY = Math.max(y + 10, code128Y - qrSize.height - 10);
  canvas.image(barcodes.qr, left - 20, qrY);
  const [first = "", second = ""] = content.groupedCode.split("-");
  const groupX = left - 20 + qrSize.width + 20;
  canvas.text(first, groupX, qrY + qrSize.height / 2 - 12, 84);
  canvas.text(second, groupX, qrY + qrSize.height / 2 + 88, 84);

  canvas.image(barcodes.code128, Math.round((WIDTH_PX - code128Size.width) / 2), code128Y);
  const textWidth = canvas.textWidth(content.groupedCode, 56);
  canvas.text(content.groupedCode, Math.round((WIDTH_PX - textWidth) / 2), groupedTextY, 56);

  return { png: canvas.encode(), widthPx: WIDTH_PX, heightPx: HEIGHT_PX, dpi: LABEL_DPI };
}

// ---- HTML --------------------------------------------------------------------------------------

function dataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString("base64")}`;
}

export async function renderLabelHtml(content: LabelContent): Promise<string> {
  const barcodes = await renderBarcodes(content.pickupCode);
  const code128Width = (pngSize(barcodes.code128).width / PX_PER_MM).toFixed(2);
  const qrWidth = (pngSize(barcodes.qr).width / PX_PER_MM).toFixed(2);
  const e = escapeHtml;
  const details = [content.due ? `Due ${content.due}` : null, content.quantity > 1 ? `Qty ${content.quantity}` : null]
    .filter((d): d is string => d !== null)
    .map((d) => `<div class="detail">${e(d)}</div>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(content.jobNumber)} label</title>
<style>
  /* 62 mm continuous label roll (Brother QL DK-22205), cut at 100 mm. */
  @page { size: ${LABEL_WIDTH_MM}mm ${LABEL_HEIGHT_MM}mm; margin: 0; }
  * { box-sizing: border-box; }
  html, body { margin: 0; padding: 0; }
  body { font-family: "DejaVu Sans Mono", "Consolas", monospace; color: #000; }
  .label { width: ${LABEL_WIDTH_MM}mm; height: ${LABEL_HEIGHT_MM}mm; padding: 3mm; display: flex; flex-direction: column; overflow: hidden; page-break-after: always; }
  .shop { font-size: 7pt; }
  .number { font-size: 22pt; font-weight: bold; border-bottom: 0.4mm solid #000; padding-bottom: 1mm; margin-bottom: 1.5mm; }
  .customer { font-size: 11pt; font-weight: bold; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .title { font-size: 9pt; line-height: 1.25; max-height: 2.5em; overflow: hidden; }
  .detail { font-size: 8pt; margin-top: 0.8mm; }
  .codes { margin-top: auto; }
  .qr-row { display: flex; align-items: center; gap: 2mm; }
  .groups { font-size: 16pt; font-weight: bold; line-height: 1.3; letter-spacing: 0.5mm; }
  img { image-rendering: pixelated; display: block; }
  .c128 { margin: 1mm auto 0; }
  .code { text-align: center; font-size: 13pt; font-weight: bold; letter-spacing: 0.4mm; }
</style>
</head>
<body>
<div class="label">
  <div class="shop">${e(content.shopName)}</div>
  <div class="number">${e(content.jobNumber)}</div>
  ${content.customer ? `<div class="customer">${e(content.customer)}</div>` : ""}
  <div class="title">${e(content.title)}</div>
  ${details}
  <div class="codes">
    <div class="qr-row">
      <img class="qr" alt="QR code ${e(content.pickupCode)}" src="${dataUri(barcodes.qr)}" style="width: ${qrWidth}mm">
      <div class="groups">${content.groupedCode.split("-").map(e).join("<br>")}</div>
    </div>
    <img class="c128" alt="Code 128 ${e(content.pickupCode)}" src="${dataUri(barcodes.code128)}" style="width: ${code128Width}mm">
    <div class="code">${e(content.groupedCode)}</div>
  </div>
</div>
</body>
</html>
`;
}

// ---- PDF ---------------------------------------------------------------------------------------

export async function renderLabelPdf(content: LabelContent): Promise<Buffer> {
  const barcodes = await renderBarcodes(content.pickupCode);
  const width = LABEL_WIDTH_MM * MM;
  const height = LABEL_HEIGHT_MM * MM;
  const margin = 3 * MM;
  const inner = width - 2 * margin;
  const code128Size = pngSize(barcodes.code128);
  const qrSize = pngSize(barcodes.qr);
  // Images keep their 300 dpi size: printed at 1:1 the modules are exactly as in the PNG.
  const pxToPt = 72 / LABEL_DPI;

  // Page margin 0: every position below is explicit, and pdfkit must not start a second page
  // for text that ends near the bottom edge.
  return renderPdf({ width, height, margin: 0, title: `${content.jobNumber} label` }, (doc) => {
    doc.font(FONT_NAME).fontSize(7).text(content.shopName, margin, margin, { width: inner, lineBreak: false, ellipsis: true });
    doc.fontSize(22).text(content.jobNumber, margin, doc.y, { width: inner, lineBreak: false });
    const ruleY = doc.y + 1;
    doc.moveTo(margin, ruleY).lineTo(width - margin, ruleY).lineWidth(1).stroke();
    doc.y = ruleY + 4;
    if (content.customer) doc.fontSize(11).text(content.customer, margin, doc.y, { width: inner, height: 14, ellipsis: true });
    doc.fontSize(9).text(content.title, margin, doc.y, { width: inner, height: 24, ellipsis: true });
    if (content.due) doc.fontSize(8).text(`Due ${content.due}`, margin, doc.y + 2, { width: inner, lineBreak: false, ellipsis: true });
    if (content.quantity > 1) doc.fontSize(8).text(`Qty ${content.quantity}`, margin, doc.y + 1, { width: inner, lineBreak: false });

    const codeTextY = height - margin - 13;
    const code128Height = code128Size.height * pxToPt;
    const code128Width = code128Size.width * pxToPt;
    const code128Y = codeTextY - 2 - code128Height;
    const qrWidth = qrSize.width * pxToPt;
    const qrY = code128Y - 2 - qrWidth;
    doc.image(barcodes.qr, margin - 4, qrY, { width: qrWidth });
    const [first = "", second = ""] = content.groupedCode.split("-");
    doc.fontSize(16).text(first, margin + qrWidth, qrY + qrWidth / 2 - 18, { lineBreak: false });
    doc.fontSize(16).text(second, margin + qrWidth, qrY + qrWidth / 2 + 2, { lineBreak: false });
    doc.image(barcodes.code128, (width - code128Width) / 2, code128Y, { width: code128Width });
    doc.fontSize(12).text(content.groupedCode, margin, codeTextY, { width: inner, align: "center", lineBreak: false });
  });
}
