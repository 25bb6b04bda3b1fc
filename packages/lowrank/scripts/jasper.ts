// A tiny reader for the Jasper Ridge ENVI cube (100 x 100 x 198, int16, BIL, little-endian):
// the bytes are, for each line, each band's 100 samples.
import { readFile } from 'node:fs/promises';

export const JASPER_PATH =
  '/work/shared/data/hsi/pekalam-hyperspectral-segmentation/jasperRidge2_R198.img';
export const JASPER_SHAPE = { lines: 100, samples: 100, bands: 198 } as const;

/** The cube as [lines, samples, bands] float32, int16 values divided by `scale`, bands picked. */
export async function readJasper(
  bandIndices: readonly number[],
  scale = 10000,
): Promise<Float32Array> {
  const { lines, samples, bands } = JASPER_SHAPE;
  const buf = await readFile(JASPER_PATH);
  if (buf.byteLength !== lines * samples * bands * 2)
    throw new Error(
      `${JASPER_PATH}: expected ${lines * samples * bands * 2} bytes, got ${buf.byteLength}`,
    );
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const nb = bandIndices.length;
  const out = new Float32Array(lines * samples * nb);
  for (let y = 0; y < lines; y++)
    for (let k = 0; k < nb; k++) {
      const b = bandIndices[k];
      for (let x = 0; x < samples; x++)
        out[(y * samples + x) * nb + k] =
          view.getInt16(((y * bands + b) * samples + x) * 2, true) / scale;
    }
  return out;
}

/** n indices spread evenly over [0, total). */
export function evenBands(n: number, total = JASPER_SHAPE.bands): number[] {
  return Array.from({ length: n }, (_, i) => Math.round((i * (total - 1)) / (n - 1)));
}
