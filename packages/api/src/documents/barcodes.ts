// The pickup code as Code 128 and QR, shared by the label and the invoice and receipt PDFs, so a
// code printed on any of them scans the same at the counter.
import { crc32, deflateSync } from "node:zlib";
import { BarcodeFormat, Binarizer, BinaryBitmap, BitMatrix, DecodeHintType, LuminanceSource, QRCodeReader, type BitArray } from "@zxing/library";
import bwipjs from "bwip-js/node";
import { qrVersion1, type QrModules } from "./qr-version1.ts";

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
  const barcodes = { code128: encodePng(code128Bitmap(code)), qr: encodePng(readableQrBitmap(code)) };
  drawn.set(code, barcodes);
  // A Map keeps insertion order: the first key is the oldest.
  if (drawn.size > DRAWN_KEPT) drawn.delete(drawn.keys().next().value as string);
  return barcodes;
}

// bwip-js encodes (BWIPP), except the pickup codes' QR symbols (qr-version1.ts makes the same
// ones faster); the images are drawn here, module by module, because its own drawing (and PNG
// encoding in JavaScript) cost three times the encoding. The geometry is bwip-js's own:
// a QR module is two points times the scale, a Code 128 module one point times the scale, bar
// height in millimetres at 72 dpi times the scale, padding in points times the scale. Every
// "ready for pickup" mail draws a new code, so the drawing stays close to the encoding's cost:
// black and white need one bit a pixel, a row of modules is drawn once and repeated, and the QR
// read-back takes the very pixels as the detector's black and white instead of thresholding them.
const QR_MODULE_PX = 2 * QR_SCALE;
const QR_PADDING_PX = 8 * QR_SCALE;
const CODE128_MODULE_PX = CODE128_SCALE;
const CODE128_BAR_PX = Math.ceil(((CODE128_HEIGHT_MM * 72) / 25.4) * CODE128_SCALE);
const CODE128_PADDING_X_PX = 10 * CODE128_SCALE;
const CODE128_PADDING_Y_PX = 2 * CODE128_SCALE;

/**
 * A black-and-white image as a few distinct rows: `rows[i]` is drawn `repeat[i]` times, one
 * boolean a pixel (true: black). A barcode is a handful of distinct rows, each repeated for a
 * module's height.
 */
interface Bitmap {
  width: number;
  height: number;
  rows: boolean[][];
  repeat: number[];
}

/** Runs of `modulePx` pixels for each module of a line, with `paddingPx` white either side. */
function pixelRow(modules: readonly boolean[], modulePx: number, paddingPx: number): boolean[] {
  const row = new Array<boolean>(modules.length * modulePx + 2 * paddingPx).fill(false);
  modules.forEach((dark, i) => {
    if (dark) row.fill(true, paddingPx + i * modulePx, paddingPx + (i + 1) * modulePx);
  });
  return row;
}

// A PNG of one bit a pixel, greyscale: 0 is black, 1 white.
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_FILTER_NONE = 0;
// "Up": each byte minus the one above; a row equal to the one above is all zeros.
const PNG_FILTER_UP = 2;

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, "latin1");
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function encodePng(bitmap: Bitmap): Buffer {
  const stride = Math.ceil(bitmap.width / 8);
  const scanlines = Buffer.alloc(bitmap.height * (stride + 1));
  let offset = 0;
  bitmap.rows.forEach((row, i) => {
    scanlines[offset] = PNG_FILTER_NONE;
    // White bits set, eight pixels a byte; the unused bits after the last pixel stay 0 (the format ignores them).
    for (let x = 0; x < row.length; x += 8) {
      let byte = 0;
      for (let bit = 0; bit < 8 && x + bit < row.length; bit++) if (!row[x + bit]) byte |= 0x80 >> bit;
      scanlines[offset + 1 + (x >> 3)] = byte;
    }
    offset += stride + 1;
    for (let again = 1; again < (bitmap.repeat[i] ?? 1); again++) {
      scanlines[offset] = PNG_FILTER_UP;
      offset += stride + 1;
    }
  });
  const header = Buffer.alloc(13);
  header.writeUInt32BE(bitmap.width, 0);
  header.writeUInt32BE(bitmap.height, 4);
  // Bit depth 1, greyscale, deflate, adaptive filtering, no interlace.
  header.set([1, 0, 0, 0, 0], 8);
  // The fastest level: a barcode's rows are runs and repeats, so it still makes a few hundred bytes.
  return Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", header), pngChunk("IDAT", deflateSync(scanlines, { level: 1 })), pngChunk("IEND", Buffer.alloc(0))]);
}

function code128Bitmap(code: string): Bitmap {
  const [symbol] = bwipjs.raw("code128", code, "") as Array<{ sbs?: number[] }>;
  // Bars and spaces alternate, a bar first.
  const modules = (symbol?.sbs ?? []).flatMap((width, i) => new Array<boolean>(width).fill(i % 2 === 0));
  const bars = pixelRow(modules, CODE128_MODULE_PX, CODE128_PADDING_X_PX);
  const blank = new Array<boolean>(bars.length).fill(false);
  return {
    width: bars.length,
    height: CODE128_BAR_PX + 2 * CODE128_PADDING_Y_PX,
    rows: [blank, bars, blank],
    repeat: [CODE128_PADDING_Y_PX, CODE128_BAR_PX, CODE128_PADDING_Y_PX],
  };
}

/** `mask`: 0–7, the standard's numbering; left out, the one its penalty rules choose. */
function qrSymbol(code: string, mask?: number): QrModules {
  // Every pickup code fits version 1; bwip-js encodes whatever else comes, the same way.
  const ours = qrVersion1(code, mask);
  if (ours) return ours;
  // bwip-js numbers the masks from 1.
  const [symbol] = bwipjs.raw("qrcode", code, mask === undefined ? "" : `mask=${mask + 1}`) as Array<{ pixs?: number[]; pixx?: number }>;
  const { pixs = [], pixx = 0 } = symbol ?? {};
  return { size: pixx, dark: (row, column) => pixs[row * pixx + column] === 1 };
}

function qrBitmap(symbol: QrModules): Bitmap {
  const side = symbol.size * QR_MODULE_PX + 2 * QR_PADDING_PX;
  const blank = new Array<boolean>(side).fill(false);
  const lines = Array.from({ length: symbol.size }, (_, row) =>
    pixelRow(
      Array.from({ length: symbol.size }, (_, column) => symbol.dark(row, column)),
      QR_MODULE_PX,
      QR_PADDING_PX,
    ),
  );
  return {
    width: side,
    height: side,
    rows: [blank, ...lines, blank],
    repeat: [QR_PADDING_PX, ...lines.map(() => QR_MODULE_PX), QR_PADDING_PX],
  };
}

// The encoder picks the QR mask by the standard's penalty rules, yet for about one code in fifty
// that mask leaves a finder-like pattern in the data which ZXing's detector (inside many Android
// scanners) locks onto, and the code cannot be read from a photo. Each symbol is read back the way
// a camera would, from the very pixels to be printed, and the next mask is tried until one reads.
const QR_OTHER_MASKS = [0, 1, 2, 3, 4, 5, 6, 7] as const;

function readableQrBitmap(code: string): Bitmap {
  const standard = qrBitmap(qrSymbol(code));
  if (readsAs(standard, code)) return standard;
  for (const mask of QR_OTHER_MASKS) {
    const bitmap = qrBitmap(qrSymbol(code, mask));
    if (readsAs(bitmap, code)) return bitmap;
  }
  // No mask read back (not seen in 1 000 random codes): the standard's own choice is still a valid symbol.
  return standard;
}

/** The bitmap's pixels as ZXing's black and white: each distinct row's words are made once and copied for its repeats. */
function blackMatrix(bitmap: Bitmap): BitMatrix {
  // ZXing's layout: 32 pixels a word, the leftmost in the lowest bit.
  const rowSize = Math.ceil(bitmap.width / 32);
  const bits = new Int32Array(rowSize * bitmap.height);
  let top = 0;
  bitmap.rows.forEach((row, i) => {
    const words = new Int32Array(rowSize);
    row.forEach((dark, x) => {
      if (dark) words[x >> 5] = (words[x >> 5] ?? 0) | (1 << (x & 31));
    });
    const height = bitmap.repeat[i] ?? 1;
    for (let y = top; y < top + height; y++) bits.set(words, y * rowSize);
    top += height;
  });
  return new BitMatrix(bitmap.width, bitmap.height, rowSize, bits);
}

/**
 * The image as ZXing's detector sees it. Its HybridBinarizer thresholds each 8×8 block against
 * its neighbourhood's mean; for an image whose pixels are only black (0) and white (255) every
 * threshold falls between the two, so its black matrix is exactly the black pixels. That matrix
 * is given here directly (labels.test.ts checks the two agree).
 */
class PrintedPixels extends Binarizer {
  constructor(
    private readonly matrix: BitMatrix,
    source: LuminanceSource,
  ) {
    super(source);
  }

  getBlackMatrix(): BitMatrix {
    return this.matrix;
  }

  getBlackRow(y: number, row: BitArray): BitArray {
    return this.matrix.getRow(y, row);
  }

  createBinarizer(source: LuminanceSource): Binarizer {
    return new PrintedPixels(this.matrix, source);
  }
}

/** Only the size of the image: its black and white come from PrintedPixels. */
class ImageSize extends LuminanceSource {
  constructor(width: number, height: number) {
    super(width, height);
  }

  getRow(): Uint8ClampedArray {
    throw new Error("the image's pixels are read as black and white only");
  }

  getMatrix(): Uint8ClampedArray {
    throw new Error("the image's pixels are read as black and white only");
  }

  invert(): LuminanceSource {
    throw new Error("the image's pixels are read as black and white only");
  }
}

function readsAs(bitmap: Bitmap, code: string): boolean {
  const image = new BinaryBitmap(new PrintedPixels(blackMatrix(bitmap), new ImageSize(bitmap.width, bitmap.height)));
  try {
    return new QRCodeReader().decode(image, new Map([[DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE]]])).getText() === code;
  } catch {
    return false;
  }
}

// On a screen a QR module is a whole number of CSS pixels: at every device pixel ratio that is a
// multiple of 1/8 (1, 1.5, 2, 2.625, 3, 3.5 …) it is then a whole number of screen pixels too.
// Shown at any other size, pixelated scaling makes some modules a pixel wider than the rest, and
// about one code in twenty then no longer reads in ZXing's detector from the screen.
const QR_SCREEN_MODULE_CSS_PX = 8;

/** The width in CSS pixels to show a QR image from renderBarcodes at on a screen (it is square). */
export function qrScreenWidth(qr: Buffer): number {
  return (pngSize(qr).width / QR_MODULE_PX) * QR_SCREEN_MODULE_CSS_PX;
}

export function pngSize(buffer: Buffer): { width: number; height: number } {
  // Width and height are the first two fields of the IHDR chunk, right after the 8-byte signature.
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}
