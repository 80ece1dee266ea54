// The pickup code as Code 128 and QR, shared by the label and the invoice and receipt PDFs, so a
// code printed on any of them scans the same at the counter.
import { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";
import bwipjs from "bwip-js/node";
import { PNG } from "pngjs";

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
    renderReadableQr(code),
  ]);
  return { code128, qr };
}

// The encoder picks the QR mask by the standard's penalty rules, yet for about one code in fifty
// that mask leaves a finder-like pattern in the data which ZXing's detector (inside many Android
// scanners) locks onto, and the code cannot be read from a photo. Each symbol is read back the way
// a camera would before it is printed, and the next mask is tried until one reads.
const QR_OTHER_MASKS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

function renderQr(code: string, mask?: number): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: "qrcode",
    text: code,
    scale: QR_SCALE,
    // Error correction stays at BWIPP's default, M (15 %): version 1 still holds ten symbols.
    paddingwidth: 8,
    paddingheight: 8,
    backgroundcolor: "FFFFFF",
    ...(mask === undefined ? {} : { mask }),
  });
}

async function renderReadableQr(code: string): Promise<Buffer> {
  const standard = await renderQr(code);
  if (readsAs(standard, code)) return standard;
  for (const mask of QR_OTHER_MASKS) {
    const png = await renderQr(code, mask);
    if (readsAs(png, code)) return png;
  }
  // No mask read back (not seen in 1 000 random codes): the standard's own choice is still a valid symbol.
  return standard;
}

function readsAs(png: Buffer, code: string): boolean {
  const image = PNG.sync.read(png);
  const luminance = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0; i < luminance.length; i++) luminance[i] = image.data[i * 4] ?? 255;
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, image.width, image.height)));
  try {
    return new QRCodeReader().decode(bitmap, new Map([[DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE]]])).getText() === code;
  } catch {
    return false;
  }
}

export function pngSize(buffer: Buffer): { width: number; height: number } {
  // Width and height are the first two fields of the IHDR chunk, right after the 8-byte signature.
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}
