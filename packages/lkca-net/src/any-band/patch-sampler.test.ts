import * as tf from '@tensorflow/tfjs';
import { bicubicDownsample } from '@hsrkit/hsi-data';
import { seededValues, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareAnyBandScene, sampleAnyBandBatch } from './patch-sampler.js';

/** A smooth-ish synthetic 48 x 40 x 12 scene in DN-like units. */
function scene() {
  const rows = 48;
  const cols = 40;
  const bands = 12;
  const noise = seededValues(rows * cols * bands, 4);
  const data = new Float32Array(rows * cols * bands);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let b = 0; b < bands; b++) {
        const i = (r * cols + c) * bands + b;
        data[i] = 1000 + 300 * Math.sin(r / 3 + b / 5) * Math.cos(c / 4) + 50 * b + 20 * noise[i];
      }
  return prepareAnyBandScene(
    'synthetic',
    'test',
    { rows, cols, bands, interleave: 'bip', data },
    4,
  );
}

describe('sampleAnyBandBatch', () => {
  beforeAll(() => useBackend('cpu'));
  const opts = {
    scale: 4,
    groupSize: 5,
    patch: 6,
    batch: 6,
    seed: 3,
    bandSteps: [
      [0.5, 0.4],
      [1, 0.3],
      [2, 0.3],
    ] as [number, number][],
  };

  it('is a function of (seed, step) alone', () => {
    const sc = scene();
    const a = sampleAnyBandBatch([sc], opts, 7);
    const b = sampleAnyBandBatch([sc], opts, 7);
    const c = sampleAnyBandBatch([sc], opts, 8);
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(c.x)).not.toEqual(Array.from(a.x));
  });

  it('pairs each LR patch with its HR patch: bicubic x1/4 of y matches x away from patch borders', async () => {
    // Holds under the dihedral transforms and the fractional (interpolated) band positions because
    // MATLAB bicubic is linear and symmetric; only the border pixels see outside the patch.
    const sc = scene();
    for (const step of [0, 1, 2, 3]) {
      const { x, y } = sampleAnyBandBatch([sc], opts, step);
      const { patch: p, groupSize: G, batch: n } = opts;
      const down = bicubicDownsample(tf.tensor4d(y, [n, p * 4, p * 4, G]), 4);
      const d = await down.data();
      down.dispose();
      let worst = 0;
      for (let i = 0; i < n; i++)
        for (let a = 2; a < p - 2; a++)
          for (let b = 2; b < p - 2; b++)
            for (let j = 0; j < G; j++) {
              const k = ((i * p + a) * p + b) * G + j;
              worst = Math.max(worst, Math.abs(d[k] - x[k]));
            }
      // x and y are normalised (unit std per group): 1e-4 is far below any mismatch of one pixel.
      expect(worst).toBeLessThan(1e-4);
    }
  });
});
