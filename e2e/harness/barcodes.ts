// Reading a barcode back as an ordinary decoder does (ZXing), from a PNG: an image attached to a
// mail, or a screenshot of a phone's screen.
import { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, MultiFormatReader, RGBLuminanceSource } from "@zxing/library";
import { PNG } from "pngjs";

export { BarcodeFormat };

export function decodePng(png: Buffer, format: BarcodeFormat): string {
  const image = PNG.sync.read(png);
  const luminance = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0; i < luminance.length; i++) {
    const alpha = (image.data[i * 4 + 3] ?? 255) / 255;
    const grey = ((image.data[i * 4] ?? 255) + (image.data[i * 4 + 1] ?? 255) + (image.data[i * 4 + 2] ?? 255)) / 3;
    luminance[i] = Math.round(grey * alpha + 255 * (1 - alpha));
  }
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [format]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  return new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, image.width, image.height))), hints).getText();
}
