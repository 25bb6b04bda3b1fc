import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeBackends } from './describe-backends.js';
import { maxAbsDiff, seededValues } from './compare.js';

// The reason the helper exists: the same numbers on every backend. A dilated depthwise conv is a
// good canary (docs/ARCHITECTURE.md, "Facts about TF.js": the layers API drops the dilation).
describeBackends('backend helper', (backend) => {
  it('selects the backend and computes a dilated depthwise conv like cpu does', async () => {
    expect(tf.getBackend()).toBe(backend);
    const x = seededValues(1 * 12 * 12 * 4, 3);
    const w = seededValues(3 * 3 * 4 * 1, 4);
    const run = () =>
      tf.tidy(() =>
        tf.depthwiseConv2d(
          tf.tensor4d(x, [1, 12, 12, 4]),
          tf.tensor4d(w, [3, 3, 4, 1]),
          1,
          'same',
          'NHWC',
          [2, 2],
        ),
      );
    const y = run();
    const got = await y.data();
    y.dispose();
    // Reference: direct loops over the definition.
    const ref = new Float32Array(12 * 12 * 4);
    for (let i = 0; i < 12; i++)
      for (let j = 0; j < 12; j++)
        for (let c = 0; c < 4; c++) {
          let s = 0;
          for (let di = 0; di < 3; di++)
            for (let dj = 0; dj < 3; dj++) {
              const ii = i + (di - 1) * 2;
              const jj = j + (dj - 1) * 2;
              if (ii < 0 || jj < 0 || ii >= 12 || jj >= 12) continue;
              s += x[(ii * 12 + jj) * 4 + c] * w[(di * 3 + dj) * 4 + c];
            }
          ref[(i * 12 + j) * 4 + c] = s;
        }
    expect(maxAbsDiff(got, ref)).toBeLessThan(1e-5);
  });
});
