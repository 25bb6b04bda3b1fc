import { DIHEDRAL_ALL, dihedralInverse, dihedralTransform } from '@hsrkit/hsi-data';
import * as tf from '@tensorflow/tfjs';
import type { TileRunner } from './tiled-inference.js';

/** An SR pass over one BIP float32 LR image: [rows, cols, bands] in, [rows*s, cols*s, bands] out. */
export type SrPass = (lr: Float32Array, rows: number, cols: number) => Promise<Float32Array>;

export interface SelfEnsembleOptions {
  signal?: AbortSignal;
  /** After each of the 8 passes: (done, 8). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Geometric self-ensemble (Lim et al., EDSR+, CVPR-W 2017): super-resolve the 8 rotations and
 * flips of the LR image, undo each on its output and average. The network's errors that do not
 * follow the image's geometry partly cancel; it costs 8 passes. Rows and cols swap under the odd
 * rotations, so `pass` must take any size.
 */
export async function selfEnsemble(
  lr: Float32Array,
  rows: number,
  cols: number,
  bands: number,
  scale: number,
  pass: SrPass,
  opts: SelfEnsembleOptions = {},
): Promise<Float32Array> {
  if (lr.length !== rows * cols * bands)
    throw new RangeError(`selfEnsemble: ${lr.length} samples are not ${rows} x ${cols} x ${bands}`);
  const sum = new Float32Array(rows * scale * cols * scale * bands);
  const input = tf.tensor3d(lr, [rows, cols, bands]);
  try {
    for (const k of DIHEDRAL_ALL) {
      opts.signal?.throwIfAborted();
      const x = dihedralTransform(input, k);
      const [r, c] = x.shape;
      let xData: Float32Array;
      try {
        xData = (await x.data()) as Float32Array;
      } finally {
        x.dispose();
      }
      const y = await pass(xData, r, c);
      const expected = r * scale * c * scale * bands;
      if (y.length !== expected)
        throw new RangeError(
          `selfEnsemble: a pass returned ${y.length} samples for a ${r} x ${c} x ${bands} input, not ${expected}`,
        );
      const back = tf.tidy(() =>
        dihedralTransform(tf.tensor3d(y, [r * scale, c * scale, bands]), dihedralInverse(k)),
      );
      const data = (await back.data()) as Float32Array;
      back.dispose();
      for (let i = 0; i < sum.length; i++) sum[i] += data[i];
      opts.onProgress?.(k + 1, DIHEDRAL_ALL.length);
    }
  } finally {
    input.dispose();
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= DIHEDRAL_ALL.length;
  return sum;
}

/**
 * A tile runner that runs `runner` under the geometric self-ensemble: each tile's 8 rotations and
 * flips, undone and averaged (8x the work). Tiles are blended as usual afterwards, so a file of any
 * size streams through it (`upscaleFile({ selfEnsemble: true })`). Every output row is computed.
 */
export function selfEnsembleTileRunner(runner: TileRunner, scale: number): TileRunner {
  return (lr, height, width, bands) =>
    selfEnsemble(lr, height, width, bands, scale, (x, rows, cols) => runner(x, rows, cols, bands));
}
