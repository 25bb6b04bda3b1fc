import { describeBackends, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bipCube, firstBands, metricFixtureMeta, readF32 } from '../../test/metric-fixtures.js';
import {
  addGaussianNoise,
  bicubicDownsample,
  bicubicUpsample,
  degrade,
  downsampleCube,
  downsampledLength,
  gaussianBlur,
  gaussianKernel1d,
} from './degrade.js';
import { HsiConfigError, HsiShapeError } from '../errors.js';

const meta = metricFixtureMeta;
const f32 = readF32;
/** One BIP crop [rows, cols, B] -> its top-left [r, c, B] corner. */
function corner(
  data: Float32Array,
  cols: number,
  bands: number,
  r: number,
  c: number,
): Float32Array {
  const out = new Float32Array(r * c * bands);
  for (let i = 0; i < r; i++)
    out.set(data.subarray(i * cols * bands, (i * cols + c) * bands), i * c * bands);
  return out;
}

/** Runs fn and checks it left exactly one new tensor (its result) and no intermediates. */
function onlyResult<T extends tf.Tensor>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const y = fn();
  expect(tf.memory().numTensors - before, 'tensors left besides the result').toBe(1);
  return y;
}

const balloons = meta('balloons');
const urban = meta('urban');
const balloonsGt = f32('balloons.gt.f32');
const urbanGt = f32('urban.gt.f32');

describe('downsampledLength', () => {
  it('is ceil(len / s), exact when s divides len', () => {
    expect(downsampledLength(96, 3)).toBe(32);
    expect(downsampledLength(34, 3)).toBe(12);
    expect(downsampledLength(64, 4)).toBe(16);
    expect(() => downsampledLength(10, 0)).toThrow(HsiConfigError);
  });
});

describe('downsampleCube (plain JS) against MATLAB imresize written out in numpy', () => {
  for (const [name, m, gt] of [
    ['balloons x4', balloons, balloonsGt],
    ['urban x3 (34 rows: not divisible)', urban, urbanGt],
  ] as const) {
    it(name, () => {
      const [rows, cols, bands] = m.shape;
      const nb = m.down.bands;
      const cube = bipCube(rows, cols, nb, firstBands(gt, bands, nb), { wavelengths: [] });
      const lr = downsampleCube(cube, m.down.scale);
      expect([lr.rows, lr.cols, lr.bands]).toEqual(m.down.shape);
      expect(maxAbsDiff(lr.data, f32(m.down.file))).toBeLessThan(2e-6);
      expect(lr.wavelengths).toEqual([]);
    });
  }
});

describeBackends('bicubicDownsample / gaussianBlur / noise', (backend) => {
  // WebGPU runs on a software Vulkan here: give it the small corners only.
  const small = backend === 'webgpu';

  it('bicubicDownsample matches the numpy MATLAB reference (via @hsrkit/layers bicubicResize)', async () => {
    for (const [m, gt] of [
      [balloons, balloonsGt],
      [urban, urbanGt],
    ] as const) {
      const [rows, cols, bands] = m.shape;
      const nb = m.down.bands;
      const x = tf.tensor3d(firstBands(gt, bands, nb), [rows, cols, nb]);
      const y = onlyResult(() => bicubicDownsample(x, m.down.scale));
      expect(y.shape).toEqual(m.down.shape);
      expect(maxAbsDiff(await y.data(), f32(m.down.file))).toBeLessThan(1e-5);
      tf.dispose([x, y]);
    }
  });

  it('bicubicDownsample of a batch equals each image done alone; upsample restores the size', async () => {
    const a = seededValues(16 * 12 * 3, 1);
    const b = seededValues(16 * 12 * 3, 2);
    const batch = tf.tensor4d([...a, ...b], [2, 16, 12, 3]);
    const y = bicubicDownsample(batch, 4);
    expect(y.shape).toEqual([2, 4, 3, 3]);
    const ya = bicubicDownsample(tf.tensor3d(a, [16, 12, 3]), 4);
    const yb = bicubicDownsample(tf.tensor3d(b, [16, 12, 3]), 4);
    const data = await y.data();
    expect(maxAbsDiff(data.subarray(0, 36), await ya.data())).toBeLessThan(1e-6);
    expect(maxAbsDiff(data.subarray(36), await yb.data())).toBeLessThan(1e-6);
    const up = bicubicUpsample(y, 4);
    expect(up.shape).toEqual([2, 16, 12, 3]);
    tf.dispose([batch, y, ya, yb, up]);
  });

  it('gaussianBlur matches scipy.ndimage.gaussian_filter (reflect edges)', async () => {
    const [rows, cols, bands] = balloons.shape;
    const nb = balloons.blur.bands;
    const r = small ? 12 : rows;
    const c = small ? 10 : cols;
    const b = small ? 2 : nb;
    // Corners are compared where the blur of the corner equals the blur of the whole crop (away
    // from the corner's own cut edges), i.e. all of it when not cropped.
    const full = firstBands(balloonsGt, bands, nb);
    const input = firstBands(corner(full, cols, nb, r, c), nb, b);
    const x = tf.tensor3d(input, [r, c, b]);
    const y = onlyResult(() =>
      gaussianBlur(x, { sigma: balloons.blur.sigma, kernelSize: balloons.blur.kernelSize }),
    );
    const got = await y.data();
    const ref = firstBands(corner(f32(balloons.blur.file), cols, nb, r, c), nb, b);
    const margin = small ? 3 : 0;
    let worst = 0;
    for (let i = 0; i < r - margin; i++)
      for (let j = 0; j < c - margin; j++)
        for (let k = 0; k < b; k++) {
          const idx = (i * c + j) * b + k;
          worst = Math.max(worst, Math.abs(got[idx] - ref[idx]));
        }
    expect(worst).toBeLessThan(1e-6);
    tf.dispose([x, y]);
  });

  it('gaussianBlur keeps a constant image constant and rejects a kernel wider than the image', async () => {
    const x = tf.fill([1, 5, 6, 2], 0.25) as tf.Tensor4D;
    const y = gaussianBlur(x, { sigma: 1, kernelSize: 5 });
    expect(maxAbsDiff(await y.data(), new Float32Array(60).fill(0.25))).toBeLessThan(1e-6);
    expect(() => gaussianBlur(x, { sigma: 3, kernelSize: 13 })).toThrow(HsiShapeError);
    expect(() => gaussianBlur(x, { sigma: 1, kernelSize: 4 })).toThrow(/odd positive integer/);
    expect(() => gaussianBlur(x, { sigma: -1 })).toThrow(HsiConfigError);
    tf.dispose([x, y]);
  });

  it('addGaussianNoise is seeded, has the asked sigma or SNR, and leaks nothing', async () => {
    const n = small ? 8 : 32;
    const x = tf.tensor4d(
      seededValues(n * n * 4, 5).map((v) => 0.5 + 0.25 * v),
      [1, n, n, 4],
    );
    const y1 = onlyResult(() => addGaussianNoise(x, { sigma: 0.05, seed: 7 }));
    const y2 = addGaussianNoise(x, { sigma: 0.05, seed: 7 });
    const y3 = addGaussianNoise(x, { sigma: 0.05, seed: 8 });
    const xs = (await x.data()) as Float32Array;
    const d1 = ((await y1.data()) as Float32Array).map((v, i) => v - xs[i]);
    expect(maxAbsDiff(await y2.data(), await y1.data())).toBe(0);
    expect(maxAbsDiff(await y3.data(), await y1.data())).toBeGreaterThan(0.01);
    const mean = d1.reduce((s, v) => s + v, 0) / d1.length;
    const std = Math.sqrt(d1.reduce((s, v) => s + (v - mean) ** 2, 0) / d1.length);
    const tol = small ? 0.25 : 0.08;
    expect(Math.abs(std / 0.05 - 1)).toBeLessThan(tol);
    expect(Math.abs(mean)).toBeLessThan(0.05 * tol);
    // SNR: noise power relative to signal power.
    const y4 = addGaussianNoise(x, { snrDb: 20, seed: 3 });
    const d4 = ((await y4.data()) as Float32Array).map((v, i) => v - xs[i]);
    const ps = xs.reduce((s, v) => s + v * v, 0);
    const pn = d4.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(10 * Math.log10(ps / pn) - 20)).toBeLessThan(small ? 2 : 0.7);
    expect(() => addGaussianNoise(x, { seed: 1 } as never)).toThrow(
      /exactly one of sigma or snrDb/,
    );
    tf.dispose([x, y1, y2, y3, y4]);
  });

  it('degrade = blur, then bicubic x 1/s, then noise', async () => {
    const x = tf.tensor4d(seededValues(16 * 16 * 3, 9), [1, 16, 16, 3]);
    const opts = { scale: 2, blur: { sigma: 0.8, kernelSize: 5 }, noise: { sigma: 0.01, seed: 4 } };
    const y = onlyResult(() => degrade(x, opts));
    const ref = tf.tidy(() =>
      addGaussianNoise(bicubicDownsample(gaussianBlur(x, opts.blur), 2), opts.noise),
    );
    expect(y.shape).toEqual([1, 8, 8, 3]);
    expect(maxAbsDiff(await y.data(), await ref.data())).toBeLessThan(1e-6);
    tf.dispose([x, y, ref]);
  });
});

describe('gaussianKernel1d', () => {
  it('is normalised, symmetric and sized 2*ceil(3 sigma)+1 by default', () => {
    const k = gaussianKernel1d(1.5);
    expect(k.length).toBe(11);
    expect(k.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    expect(k[0]).toBeCloseTo(k[10], 7);
    expect(k[5] / k[4]).toBeCloseTo(Math.exp(1 / (2 * 2.25)), 5);
  });
});
