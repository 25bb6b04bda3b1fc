import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { HsiShapeError } from '../prep/errors.js';
import type { RgbImage } from './false-color.js';

function checkImage(image: RgbImage, what: string): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new HsiShapeError(`${what}: image size ${width} x ${height} is not positive integers`);
  if (data.length !== width * height * 4)
    throw new HsiShapeError(
      `${what}: ${width} x ${height} RGBA needs ${width * height * 4} bytes, got ${data.length}`,
    );
}

/** PNG bytes (8-bit RGBA) of an image. */
export function encodePng(image: RgbImage): Buffer {
  checkImage(image, 'encodePng');
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

/** Decodes PNG bytes to RGBA (8-bit; other PNG kinds are converted by pngjs). */
export function decodePng(bytes: Uint8Array): RgbImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/**
 * Writes a PNG atomically: to a temporary file beside `path`, then renamed over it, so a reader
 * never sees half a file and a failed write leaves any old file as it was.
 */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  const bytes = encodePng(image);
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
