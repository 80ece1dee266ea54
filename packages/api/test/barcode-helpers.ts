// Reading barcodes back as a scanner would: ZXing (an ordinary decoder) over the pixels of a PNG,
// or of the images embedded in a PDF (pdf.js decodes them as a PDF reader does).
import { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, MultiFormatReader, NotFoundException, RGBLuminanceSource } from "@zxing/library";
import { ImageKind, OPS, getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { PNG } from "pngjs";

export { BarcodeFormat };

/** Pixels, 4 bytes each (RGBA), row by row. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Buffer;
}

/** What a scanner reads from the image, limited to one symbology. */
export function decodeImage(image: RgbaImage, format: BarcodeFormat): string {
  const luminance = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0; i < luminance.length; i++) {
    const alpha = (image.data[i * 4 + 3] ?? 255) / 255;
    const grey = ((image.data[i * 4] ?? 255) + (image.data[i * 4 + 1] ?? 255) + (image.data[i * 4 + 2] ?? 255)) / 3;
    luminance[i] = Math.round(grey * alpha + 255 * (1 - alpha));
  }
  const reader = new MultiFormatReader();
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [format]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, image.width, image.height))), hints).getText();
}

export function decodePng(png: Buffer, format: BarcodeFormat): string {
  return decodeImage(PNG.sync.read(png), format);
}

/** Whichever of QR or Code 128 the image holds, decoded, and which it was. */
export function decodeEither(image: RgbaImage): { format: "QR_CODE" | "CODE_128"; text: string } {
  try {
    return { format: "QR_CODE", text: decodeImage(image, BarcodeFormat.QR_CODE) };
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
    return { format: "CODE_128", text: decodeImage(image, BarcodeFormat.CODE_128) };
  }
}

interface PdfJsImage {
  width: number;
  height: number;
  kind: number;
  data: Uint8Array | Uint8ClampedArray;
}

function toRgba(image: PdfJsImage): RgbaImage {
  if (image.kind === ImageKind.RGBA_32BPP) return image;
  const data = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    let value: [number, number, number];
    if (image.kind === ImageKind.RGB_24BPP) {
      value = [image.data[i * 3] ?? 255, image.data[i * 3 + 1] ?? 255, image.data[i * 3 + 2] ?? 255];
    } else {
      // 1 bit a pixel, rows padded to whole bytes.
      const row = Math.floor(i / image.width);
      const column = i % image.width;
      const byte = image.data[row * Math.ceil(image.width / 8) + (column >> 3)] ?? 0;
      const on = (byte >> (7 - (column & 7))) & 1;
      value = on ? [255, 255, 255] : [0, 0, 0];
    }
    data.set([...value, 255], i * 4);
  }
  return { width: image.width, height: image.height, data };
}

/** Every image painted on every page of the PDF, decoded to pixels. */
export async function pdfImages(base64: string): Promise<RgbaImage[]> {
  const pdf = await getDocument({ data: new Uint8Array(Buffer.from(base64, "base64")), verbosity: 0 }).promise;
  const images: RgbaImage[] = [];
  for (let number = 1; number <= pdf.numPages; number++) {
    const page = await pdf.getPage(number);
    const operators = await page.getOperatorList();
    for (let i = 0; i < operators.fnArray.length; i++) {
      if (operators.fnArray[i] !== OPS.paintImageXObject) continue;
      const name = (operators.argsArray[i] as [string])[0];
      const image = await new Promise<PdfJsImage>((resolve) => page.objs.get(name, resolve));
      images.push(toRgba(image));
    }
  }
  await pdf.destroy();
  return images;
}
