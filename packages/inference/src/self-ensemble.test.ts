import { bicubicUpsample } from '@hsrkit/hsi-data';
import { useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selfEnsemble } from './self-ensemble.js';

function ramp(rows: number, cols: number, bands: number): Float32Array {
  const x = new Float32Array(rows * cols * bands);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) + (i % 7) * 0.1;
  return x;
}

describe('selfEnsemble (geometric, 8 passes)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('a pass that commutes with rotations and flips (bicubic) comes out unchanged', async () => {
    const [rows, cols, bands, s] = [6, 9, 3, 2];
    const lr = ramp(rows, cols, bands);
    const before = tf.memory().numTensors;
    const bicubic = async (x: Float32Array, r: number, c: number) => {
      const y = tf.tidy(() => bicubicUpsample(tf.tensor3d(x, [r, c, bands]), s));
      const d = (await y.data()) as Float32Array;
      y.dispose();
      return d;
    };
    const shapes: string[] = [];
    const out = await selfEnsemble(lr, rows, cols, bands, s, async (x, r, c) => {
      shapes.push(`${r}x${c}`);
      return bicubic(x, r, c);
    });
    // Rows and cols swap under the odd rotations.
    expect(shapes).toEqual(['6x9', '9x6', '6x9', '9x6', '6x9', '9x6', '6x9', '9x6']);
    const plain = await bicubic(lr, rows, cols);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(plain[i], 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('undoes each transform before averaging: a row-index bias averages to (N - 1) / 2 everywhere', async () => {
    // The pass adds its own frame's HR row index; over the 8 symmetries of an N x N square the
    // row index of a pixel is R, C, N-1-R and N-1-C twice each, so the mean is (N-1)/2.
    const [n, bands, s] = [5, 2, 2];
    const out = await selfEnsemble(
      new Float32Array(n * n * bands),
      n,
      n,
      bands,
      s,
      async (_x, r, c) => {
        const y = new Float32Array(r * s * c * s * bands);
        for (let R = 0; R < r * s; R++)
          for (let C = 0; C < c * s; C++)
            for (let b = 0; b < bands; b++) y[(R * c * s + C) * bands + b] = R;
        return y;
      },
    );
    for (const v of out) expect(v).toBeCloseTo((n * s - 1) / 2, 5);
  });

  it('refuses a pass of the wrong size, and stops when aborted', async () => {
    await expect(
      selfEnsemble(new Float32Array(4 * 4), 4, 4, 1, 2, async () => new Float32Array(3)),
    ).rejects.toThrow(/a pass returned 3 samples for a 4 x 4 x 1 input, not 64/);
    await expect(
      selfEnsemble(new Float32Array(5), 2, 2, 1, 2, async () => new Float32Array(16)),
    ).rejects.toThrow(/5 samples are not 2 x 2 x 1/);
    const ac = new AbortController();
    let passes = 0;
    await expect(
      selfEnsemble(
        new Float32Array(4),
        2,
        2,
        1,
        2,
        async () => {
          if (++passes === 2) ac.abort(new Error('stop'));
          return new Float32Array(16);
        },
        { signal: ac.signal },
      ),
    ).rejects.toThrow('stop');
    expect(passes).toBe(2);
  });
});
