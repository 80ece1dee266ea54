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

// A code is drawn again for each of its documents and every view of its status page (which
// anyone with the link may reload): the last few hundred codes' images are kept (about 2 KiB each).
const DRAWN_KEPT = 500;
const drawn = new Map<string, Barcodes>();

/** The two barcodes as PNGs (black on white, quiet zones included). */
export async function renderBarcodes(code: string): Promise<Barcodes> {
  const kept = drawn.get(code);
  if (kept) return kept;
  const barcodes = { code128: encodePng(code128Raster(code)), qr: encodePng(readableQrRaster(code)) };
  drawn.set(code, barcodes);
  // A Map keeps insertion order: the first key is the oldest.
  if (drawn.size > DRAWN_KEPT) drawn.delete(drawn.keys().next().value as string);
  return barcodes;
}

// bwip-js encodes (BWIPP); the bitmaps are drawn here, module by module, because its own
// drawing (and PNG encoding in JavaScript) cost three times the encoding: a mail, a label or a
// status page drew its two barcodes in about 22 ms, now about 7 ms. The geometry is bwip-js's own:
// a QR module is two points times the scale, a Code 128 module one point times the scale, bar
// height in millimetres at 72 dpi times the scale, padding in points times the scale.
const QR_MODULE_PX = 2 * QR_SCALE;
const QR_PADDING_PX = 8 * QR_SCALE;
const CODE128_MODULE_PX = CODE128_SCALE;
const CODE128_BAR_PX = Math.ceil(((CODE128_HEIGHT_MM * 72) / 25.4) * CODE128_SCALE);
const CODE128_PADDING_X_PX = 10 * CODE128_SCALE;
const CODE128_PADDING_Y_PX = 2 * CODE128_SCALE;

/** A greyscale bitmap, one byte a pixel: 0 black, 255 white. */
interface Raster {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

function whiteRaster(width: number, height: number): Raster {
  return { width, height, pixels: new Uint8ClampedArray(width * height).fill(255) };
}

function fillBlack(raster: Raster, x: number, y: number, width: number, height: number): void {
  for (let row = y; row < y + height; row++) raster.pixels.fill(0, row * raster.width + x, row * raster.width + x + width);
}

function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(raster.pixels.buffer, raster.pixels.byteOffset, raster.pixels.byteLength);
  // One filter for every row, "up": a barcode's rows repeat, so most filter to zeros. Choosing per row
  // among all five costs more than everything else here together.
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8, filterType: 2 });
}

function code128Raster(code: string): Raster {
  const [symbol] = bwipjs.raw("code128", code, "") as Array<{ sbs?: number[] }>;
  const widths = symbol?.sbs ?? [];
  const modules = widths.reduce((sum, w) => sum + w, 0);
  const raster = whiteRaster(modules * CODE128_MODULE_PX + 2 * CODE128_PADDING_X_PX, CODE128_BAR_PX + 2 * CODE128_PADDING_Y_PX);
  let x = CODE128_PADDING_X_PX;
  widths.forEach((width, i) => {
    // Bars and spaces alternate, a bar first.
    if (i % 2 === 0) fillBlack(raster, x, CODE128_PADDING_Y_PX, width * CODE128_MODULE_PX, CODE128_BAR_PX);
    x += width * CODE128_MODULE_PX;
  });
  return raster;
}

function qrRaster(code: string, mask?: number): Raster {
  const [symbol] = bwipjs.raw("qrcode", code, mask === undefined ? "" : `mask=${mask}`) as Array<{ pixs?: number[]; pixx?: number; pixy?: number }>;
  const { pixs = [], pixx = 0, pixy = 0 } = symbol ?? {};
  const raster = whiteRaster(pixx * QR_MODULE_PX + 2 * QR_PADDING_PX, pixy * QR_MODULE_PX + 2 * QR_PADDING_PX);
  for (let row = 0; row < pixy; row++) {
    for (let column = 0; column < pixx; column++) {
      if (pixs[row * pixx + column] === 1) fillBlack(raster, QR_PADDING_PX + column * QR_MODULE_PX, QR_PADDING_PX + row * QR_MODULE_PX, QR_MODULE_PX, QR_MODULE_PX);
    }
  }
  return raster;
}

// The encoder picks the QR mask by the standard's penalty rules, yet for about one code in fifty
// that mask leaves a finder-like pattern in the data which ZXing's detector (inside many Android
// scanners) locks onto, and the code cannot be read from a photo. Each symbol is read back the way
// a camera would, from the very pixels to be printed, and the next mask is tried until one reads.
const QR_OTHER_MASKS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

function readableQrRaster(code: string): Raster {
  const standard = qrRaster(code);
  if (readsAs(standard, code)) return standard;
  for (const mask of QR_OTHER_MASKS) {
    const raster = qrRaster(code, mask);
    if (readsAs(raster, code)) return raster;
  }
  // No mask read back (not seen in 1 000 random codes): the standard's own choice is still a valid symbol.
  return standard;
}

function readsAs(raster: Raster, code: string): boolean {
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(raster.pixels, raster.width, raster.height)));
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
