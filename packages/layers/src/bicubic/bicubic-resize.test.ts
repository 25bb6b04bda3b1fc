import { describeBackends, expectNoLeak, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bicubicOutputSize, bicubicResize, imresizeWeights } from '../bicubic.js';
import { LayerConfigError } from '../errors.js';
import { adjointByMatrices, dataOf, fixtures, resizeByMatrices } from './test-support.js';

describeBackends('bicubicResize', (backend) => {
  it('matches the MATLAB-port fixtures on real scenes (max abs error <= 1e-5)', async () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(16);
    for (const f of fixtures) {
      const y = tf.tidy(() => {
        const x = tf.tensor4d(f.input, [1, ...f.inShape]);
        const opts = f.size
          ? { size: f.size, antialias: f.antialias }
          : { scale: f.scale, antialias: f.antialias };
        return bicubicResize(x, opts);
      });
      expect(y.shape, f.name).toEqual([1, ...f.outShape]);
      const got = await dataOf(y);
      expect(maxAbsDiff(got, f.expected), `${f.name} on ${backend}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('resizes each image of a batch on its own (x and 1 - x)', async () => {
    const f = fixtures.find((c) => c.name === 'up_x3')!;
    const y = tf.tidy(() => {
      const x = tf.tensor4d(f.input, [1, ...f.inShape]);
      return bicubicResize(tf.concat([x, tf.sub(1, x) as tf.Tensor4D]), { scale: 3 });
    });
    const got = await dataOf(y);
    const half = f.expected.length;
    expect(maxAbsDiff(got.subarray(0, half), f.expected)).toBeLessThanOrEqual(1e-5);
    // Rows of W sum to 1, so resize(1 - x) = 1 - resize(x).
    const flipped = f.expected.map((v) => 1 - v);
    expect(maxAbsDiff(got.subarray(half), flipped)).toBeLessThanOrEqual(1e-5);
  });

  it('equals W_r X W_c^T for every kind of scale, on a batch with many bands', async () => {
    const shape = [2, 19, 23, 5];
    const x = seededValues(2 * 19 * 23 * 5, 11);
    const scales: [number, number][] = [
      [2, 3],
      [4, 8],
      [0.5, 0.25],
      [1 / 3, 0.125],
      [0.37, 1.7],
      [1.5, 0.6],
      [1, 2],
      [1, 1],
    ];
    for (const [sr, sc] of scales) {
      const outH = bicubicOutputSize(19, sr);
      const outW = bicubicOutputSize(23, sc);
      const ref = resizeByMatrices(
        x,
        shape,
        imresizeWeights(19, outH, sr),
        outH,
        imresizeWeights(23, outW, sc),
        outW,
      );
      const y = tf.tidy(() => bicubicResize(tf.tensor4d(x, shape as any), { scale: [sr, sc] }));
      expect(y.shape).toEqual([2, outH, outW, 5]);
      expect(maxAbsDiff(await dataOf(y), ref), `x[${sr}, ${sc}] on ${backend}`).toBeLessThan(2e-5);
    }
  });

  it('applies a long axis in banded tiles (dense on WASM), forward and gradient', async () => {
    // 320 rows x1/8 over 6*64 columns with method 'matmul' (integer scales would otherwise take
    // the polyphase conv): large enough that the cost model tiles the row axis on cpu; WASM
    // always takes one dense matMul per axis; WebGPU tiles only far larger tensors.
    // WebGPU here is SwiftShader (slow): fewer bands there; the path is the same.
    const c = backend === 'webgpu' ? 4 : 64;
    const shape = [1, 320, 6, c];
    const x = seededValues(320 * 6 * c, 31);
    const [outH, outW] = [40, 12];
    const wr = imresizeWeights(320, outH, 1 / 8);
    const wc = imresizeWeights(6, outW, 2);
    const ref = resizeByMatrices(x, shape, wr, outH, wc, outW);
    let y: tf.Tensor | undefined;
    const profile = await tf.profile(() => {
      y = bicubicResize(tf.tensor4d(x, shape as any), { scale: [1 / 8, 2], method: 'matmul' });
      return y;
    });
    const matMuls = profile.kernels.filter((k) => k.name === 'BatchMatMul').length;
    if (backend === 'cpu') expect(matMuls).toBeGreaterThan(2);
    else expect(matMuls).toBe(2);
    expect(maxAbsDiff(await dataOf(y!), ref)).toBeLessThan(1e-5);
    tf.dispose(profile.result as tf.Tensor);
    // Gradient of sum(r * y) is W_r^T R W_c per band.
    const r = seededValues(outH * outW * c, 32);
    const expected = adjointByMatrices(r, [320, 6, c], wr, outH, wc, outW);
    const g = tf.tidy(() =>
      tf.grad((t: tf.Tensor) =>
        tf.sum(
          tf.mul(
            bicubicResize(t as tf.Tensor4D, { scale: [1 / 8, 2], method: 'matmul' }),
            tf.tensor4d(r, [1, outH, outW, c]),
          ),
        ),
      )(tf.tensor4d(x, shape as any)),
    );
    expect(maxAbsDiff(await dataOf(g), expected)).toBeLessThan(1e-5);
  });

  it('polyphase conv path: MATLAB fixtures for every integer scale, no matMul', async () => {
    const integer = (v: number) => Number.isInteger(v) || Number.isInteger(1 / v);
    const cases = fixtures.filter((f) => {
      if (f.scale === undefined) return false;
      const s = Array.isArray(f.scale) ? f.scale : [f.scale, f.scale];
      return s.every(integer);
    });
    expect(cases.length).toBeGreaterThanOrEqual(9);
    for (const f of cases) {
      let y: tf.Tensor | undefined;
      const profile = await tf.profile(() => {
        y = bicubicResize(tf.tensor4d(f.input, [1, ...f.inShape]), {
          scale: f.scale,
          antialias: f.antialias,
          method: 'polyphase',
        });
        return y;
      });
      const names = profile.kernels.map((k) => k.name);
      expect(names, f.name).not.toContain('BatchMatMul');
      expect(names, f.name).toContain('DepthwiseConv2dNative');
      expect(y!.shape, f.name).toEqual([1, ...f.outShape]);
      const got = await dataOf(y!);
      expect(maxAbsDiff(got, f.expected), `${f.name} on ${backend}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('polyphase conv path equals W_r X W_c^T on batches, every layout and edge case', async () => {
    // [h, w, scale rows, scale cols]: downscaled rows are transposed to the cols' place (w > 1)
    // or blocked in place (w = 1); upscaled rows run in place with a channel multiplier; a
    // 5-long axis at x1/8 pads by more than its length (a gather instead of mirrorPad); 13 and
    // 11 do not divide by the step; scale 1 on one axis.
    const cases: [number, number, number, number][] = [
      [17, 13, 4, 1 / 4],
      [16, 1, 1 / 2, 3],
      [13, 11, 1 / 3, 2],
      [5, 9, 1 / 8, 1],
      [6, 7, 1, 1 / 2],
    ];
    const c = backend === 'webgpu' ? 2 : 3;
    for (const [h, w, sr, sc] of cases) {
      const shape = [2, h, w, c];
      const x = seededValues(2 * h * w * c, h * w);
      const outH = bicubicOutputSize(h, sr);
      const outW = bicubicOutputSize(w, sc);
      const ref = resizeByMatrices(
        x,
        shape,
        imresizeWeights(h, outH, sr),
        outH,
        imresizeWeights(w, outW, sc),
        outW,
      );
      const y = tf.tidy(() =>
        bicubicResize(tf.tensor4d(x, shape as any), { scale: [sr, sc], method: 'polyphase' }),
      );
      expect(y.shape).toEqual([2, outH, outW, c]);
      expect(maxAbsDiff(await dataOf(y), ref), `${h}x${w} x[${sr}, ${sc}]`).toBeLessThan(2e-5);
    }
  });

  it('picks the polyphase conv by itself where it pays (WASM, many bands, x4)', async () => {
    // The cost model: WASM's depthwise conv beats its matMul for x4 of a cube with many bands;
    // the JS cpu backend's depthwise kernel never pays; WebGPU (SwiftShader here) only for far
    // larger tensors. Either way the numbers are those of the matMul path.
    const [size, c] = backend === 'wasm' ? [128, 32] : backend === 'cpu' ? [32, 4] : [8, 2];
    const x = seededValues(size * size * c, 41);
    let y: tf.Tensor | undefined;
    const profile = await tf.profile(() => {
      y = bicubicResize(tf.tensor4d(x, [1, size, size, c]), { scale: 4 });
      return y;
    });
    const names = profile.kernels.map((k) => k.name);
    if (backend === 'wasm') {
      expect(names).not.toContain('BatchMatMul');
      expect(names).toContain('DepthwiseConv2dNative');
    } else {
      expect(names).toContain('BatchMatMul');
      expect(names).not.toContain('DepthwiseConv2dNative');
    }
    const ref = tf.tidy(() =>
      bicubicResize(tf.tensor4d(x, [1, size, size, c]), { scale: 4, method: 'matmul' }),
    );
    expect(maxAbsDiff(await dataOf(y!), await dataOf(ref))).toBeLessThan(1e-5);
  });

  it('trains through the polyphase forward: gradient W_r^T R W_c, no leak', async () => {
    const shape = [1, 12, 8, 2];
    const [sr, sc] = [1 / 4, 2];
    const [outH, outW] = [3, 16];
    const x = seededValues(12 * 8 * 2, 51);
    const r = seededValues(outH * outW * 2, 52);
    const wr = imresizeWeights(12, outH, sr);
    const wc = imresizeWeights(8, outW, sc);
    const expected = adjointByMatrices(r, [12, 8, 2], wr, outH, wc, outW);
    const gradient = await expectNoLeak(async () => {
      const g = tf.tidy(() =>
        tf.grad((t: tf.Tensor) =>
          tf.sum(
            tf.mul(
              bicubicResize(t as tf.Tensor4D, { scale: [sr, sc], method: 'polyphase' }),
              tf.tensor4d(r, [1, outH, outW, 2]),
            ),
          ),
        )(tf.tensor4d(x, shape as any)),
      );
      return dataOf(g);
    }, 'polyphase gradient');
    expect(maxAbsDiff(gradient, expected)).toBeLessThan(1e-5);
  });

  it('has the adjoint gradient dx = W_r^T dy W_c, and agrees with finite differences', async () => {
    const shape = [1, 7, 6, 2];
    const [sr, sc] = [0.6, 1.7];
    const [outH, outW] = [bicubicOutputSize(7, sr), bicubicOutputSize(6, sc)];
    const x = seededValues(7 * 6 * 2, 21);
    const r = seededValues(outH * outW * 2, 22);
    const wr = imresizeWeights(7, outH, sr);
    const wc = imresizeWeights(6, outW, sc);
    // L(x) = sum(r * resize(x)) -> dL/dx = W_r^T R W_c per band.
    const expected = adjointByMatrices(r, [7, 6, 2], wr, outH, wc, outW);
    const loss = (t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          bicubicResize(t as tf.Tensor4D, { scale: [sr, sc] }),
          tf.tensor4d(r, [1, outH, outW, 2]),
        ),
      );
    const gradient = await expectNoLeak(async () => {
      const g = tf.tidy(() => tf.grad(loss)(tf.tensor4d(x, shape as any)));
      return dataOf(g);
    }, 'gradient');
    expect(maxAbsDiff(gradient, expected)).toBeLessThan(1e-5);
    // Central differences on a few entries (L is linear, so only float rounding remains).
    const eps = 0.05;
    for (const k of [0, 13, 40, 83]) {
      const plus = x.slice();
      const minus = x.slice();
      plus[k] += eps;
      minus[k] -= eps;
      const lp = tf.tidy(() => loss(tf.tensor4d(plus, shape as any)));
      const lm = tf.tidy(() => loss(tf.tensor4d(minus, shape as any)));
      const fd = ((await dataOf(lp))[0] - (await dataOf(lm))[0]) / (2 * eps);
      expect(Math.abs(fd - gradient[k]), `entry ${k}`).toBeLessThan(1e-3);
    }
  });

  it('leaks no tensors', async () => {
    await expectNoLeak(async () => {
      for (const scale of [0.25, 3, 0.37, 1] as const) {
        const x = tf.tensor4d(seededValues(1 * 16 * 12 * 3, 9), [1, 16, 12, 3]);
        const y = bicubicResize(x, { scale });
        await y.data();
        x.dispose();
        y.dispose();
      }
    }, 'bicubicResize');
  });
});

describe('bicubicResize options', () => {
  it('rejects bad op options with LayerConfigError', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => bicubicResize(x, { scale: 0 })).toThrow(LayerConfigError);
    expect(() => bicubicResize(x, { scale: -2 })).toThrow(/'scale'/);
    expect(() => bicubicResize(x, { scale: Number.NaN })).toThrow(/'scale'/);
    expect(() => bicubicResize(x, { scale: [2, 0] })).toThrow(/'scale\[1\]'/);
    expect(() => bicubicResize(x, { size: [0, 5] })).toThrow(/'size\[0\]'/);
    expect(() => bicubicResize(x, { size: [3, 2.5] })).toThrow(/'size\[1\]'/);
    expect(() => bicubicResize(x, { scale: 2, size: [8, 8] })).toThrow(/not both/);
    expect(() => bicubicResize(x, {})).toThrow(LayerConfigError);
    expect(() => bicubicResize(x, { scale: 2, method: 'fast' as any })).toThrow(/'method'/);
    expect(() => bicubicResize(tf.zeros([4, 4, 1]) as any, { scale: 2 })).toThrow(/rank 4/);
    x.dispose();
  });

  it('resizes to a given size with scale out/in', async () => {
    const f = fixtures.find((c) => c.name === 'size_17x23')!;
    const y = tf.tidy(() =>
      bicubicResize(tf.tensor4d(f.input, [1, ...f.inShape]), { size: [17, 23] }),
    );
    expect(maxAbsDiff(await dataOf(y), f.expected)).toBeLessThanOrEqual(1e-5);
  });
});
