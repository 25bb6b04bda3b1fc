// The any-band model as a tile runner for @hsrkit/inference's file path (`upscaleFileWithBandStats`):
// tiles arrive in the input's units with no-data filled; the model normalises every group with the
// WHOLE input's band moments (measured by the file path's first pass), so tiles of one cube are
// normalised alike and blend without seams of their own. Bands with no valid sample at all are left
// out of the groups, as `AnyBandSR.predict` does (their output is written back as no-data).
import type { TileRunner } from '@hsrkit/inference';
import * as tf from '@tensorflow/tfjs';
import type { AnyBandSR } from './any-band-model.js';
import { AnyBandInputError } from './errors.js';
import type { BandMoments } from './normalization.js';

export interface AnyBandTileRunnerOptions {
  /** Groups run through the core at once (default the model's). */
  groupBatch?: number;
}

/**
 * A tile runner of `model` for one input whose band statistics are `stats` (mean and mean square
 * over valid samples, and how many there were; `count[b] = 0` marks a band with none).
 */
export function anyBandTileRunner(
  model: AnyBandSR,
  stats: BandMoments & { count: ArrayLike<number> },
  opts: AnyBandTileRunnerOptions = {},
): TileRunner {
  const bands = stats.mean.length;
  const live: number[] = [];
  for (let b = 0; b < bands; b++) if (stats.count[b] > 0) live.push(b);
  if (live.length === 0)
    throw new AnyBandInputError('no-data', 'every sample of the cube is no-data');
  const L = live.length;
  const moments: BandMoments = {
    mean: Float64Array.from(live, (b) => stats.mean[b]),
    meanSquare: Float64Array.from(live, (b) => stats.meanSquare[b]),
  };
  return async (lr, h, w, b) => {
    if (b !== bands)
      throw new AnyBandInputError('bands', `a tile of ${b} bands for statistics of ${bands}`);
    let x = lr;
    if (L < b) {
      x = new Float32Array(h * w * L);
      for (let p = 0; p < h * w; p++)
        for (let k = 0; k < L; k++) x[p * L + k] = lr[p * b + live[k]];
    }
    const y = tf.tidy(() =>
      model.superResolveTensor(tf.tensor3d(x, [h, w, L]), {
        moments,
        groupBatch: opts.groupBatch,
      }),
    );
    let vals: Float32Array;
    try {
      vals = (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
    if (L === b) return vals;
    const s = model.scale;
    const out = new Float32Array(h * s * w * s * b);
    for (let p = 0; p < h * s * w * s; p++)
      for (let k = 0; k < L; k++) out[p * b + live[k]] = vals[p * L + k];
    return out;
  };
}
