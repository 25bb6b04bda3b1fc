// A per-pixel quantity (a spectral-angle map, an error map) as a grey picture on a fixed scale, so
// two maps drawn with the same `max` compare by eye (packages/lkca-net's `lkca eval --sam-map`).
import { HsiConfigError, HsiShapeError } from '../errors.js';
import type { RgbImage } from './false-color.js';

export interface ScalarMapImageOptions {
  /** Value drawn white; larger values are white too. */
  max: number;
  /** Value drawn black (default 0); smaller values are black too. */
  min?: number;
  /** Colour of NaN pixels (not scored), RGB (default magenta, which no grey level is). */
  nanColor?: [number, number, number];
}

/** `rows x cols` row-major values as a grey RGBA image: `min` black, `max` white, linear between. */
export function scalarMapImage(
  map: { rows: number; cols: number; data: ArrayLike<number> },
  opts: ScalarMapImageOptions,
): RgbImage {
  const { rows, cols, data } = map;
  if (data.length !== rows * cols)
    throw new HsiShapeError(
      `scalarMapImage: ${rows} x ${cols} needs ${rows * cols} values, got ${data.length}`,
    );
  const min = opts.min ?? 0;
  if (!(opts.max > min))
    throw new HsiConfigError('max', `must be a number above min (${min}), got ${opts.max}`);
  const [nr, ng, nb] = opts.nanColor ?? [255, 0, 255];
  const out = new Uint8Array(rows * cols * 4);
  for (let p = 0; p < rows * cols; p++) {
    const v = data[p];
    if (Number.isNaN(v)) out.set([nr, ng, nb, 255], p * 4);
    else {
      const g = Math.round(
        (255 * Math.min(1, Math.max(0, (v - min) / (opts.max - min)))) as number,
      );
      out.set([g, g, g, 255], p * 4);
    }
  }
  return { width: cols, height: rows, data: out };
}
