// PNG files by path (Node only).
import type { RgbImage } from '../preview/false-color.js';
import { encodePng } from '../preview/png.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Writes a PNG atomically: to a temporary file beside `path`, then renamed over it, so a reader
 * never sees half a file and a failed write leaves any old file as it was.
 */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}
