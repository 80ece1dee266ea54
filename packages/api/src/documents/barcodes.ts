// The pickup code as Code 128 and QR, shared by the label and the invoice and receipt PDFs, so a
// code printed on any of them scans the same at the counter.
import bwipjs from "bwip-js/node";

/** The resolution the barcodes are drawn for: the label printers' native 300 dpi. */
export const BARCODE_DPI = 300;

// Code 128 at 4 px (0.34 mm) a module with the 10-module quiet zone either side fits 62 mm with
// room to spare and stays well above the 0.25 mm hand scanners resolve.
const CODE128_SCALE = 4;
const CODE128_HEIGHT_MM = 13;
// bwip-js draws a QR module as two points: 6 gives 12 px (1 mm) modules, a 21 mm symbol that
// phone cameras and imagers read from arm's length.
const QR_SCALE = 6;

export interface Barcodes {
  code128: Buffer;
  qr: Buffer;
}

/** The two barcodes as PNGs (black on white, quiet zones included). */
export async function renderBarcodes(code: string): Promise<Barcodes> {
  const [code128, qr] = await Promise.all([
    bwipjs.toBuffer({
      bcid: "code128",
      text: code,
      scale: CODE128_SCALE,
      // bwip-js takes the bar height in millimetres at 72 dpi; times the scale it is about 13 mm at 300 dpi.
      height: CODE128_HEIGHT_MM,
      includetext: false,
      paddingwidth: 10,
      paddingheight: 2,
      backgroundcolor: "FFFFFF",
    }),
    bwipjs.toBuffer({
      bcid: "qrcode",
      text: code,
      scale: QR_SCALE,
      // Error correction stays at BWIPP's default, M (15 %): version 1 still holds ten symbols.
      paddingwidth: 8,
      paddingheight: 8,
      backgroundcolor: "FFFFFF",
    }),
  ]);
  return { code128, qr };
}

export function pngSize(buffer: Buffer): { width: number; height: number } {
  // Width and height are the first two fields of the IHDR chunk, right after the 8-byte signature.
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}
