import {
  describeBackends,
  expectNoLeak,
  maxAbsDiff,
  maxRelDiff,
  seededValues,
  useBackend,
} from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DilatedDepthwiseConv2D,
  dilatedDepthwiseConv2D,
  dilatedDepthwiseConv2d,
} from './dilated-depthwise-conv.js';
import { LayerConfigError } from './errors.js';

interface Case {
  shape: [number, number, number, number];
  kh: number;
  kw: number;
  d: number;
}

/** Definition of a stride-1 'same' dilated depthwise conv (TF puts the odd pad after). */
function forwardLoops(x: Float32Array, f: Float32Array, { shape, kh, kw, d }: Case): Float64Array {
  const [n, h, w, c] = shape;
  const top = Math.floor((d * (kh - 1)) / 2);
  const left = Math.floor((d * (kw - 1)) / 2);
  const y = new Float64Array(n * h * w * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const ii = i - top + p * d;
              const jj = j - left + q * d;
              if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
              s += x[((b * h + ii) * w + jj) * c + ch] * f[(p * kw + q) * c + ch];
            }
          y[((b * h + i) * w + j) * c + ch] = s;
        }
  return y;
}

/** Adjoint of forwardLoops: d(sum(y * g))/dx and /df, straight from the definition. */
function gradientLoops(x: Float32Array, f: Float32Array, g: Float32Array, cs: Case) {
  const [n, h, w, c] = cs.shape;
  const { kh, kw, d } = cs;
  const top = Math.floor((d * (kh - 1)) / 2);
  const left = Math.floor((d * (kw - 1)) / 2);
  const dx = new Float64Array(x.length);
  const df = new Float64Array(f.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) {
          const gy = g[((b * h + i) * w + j) * c + ch];
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const ii = i - top + p * d;
              const jj = j - left + q * d;
              if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
              const xi = ((b * h + ii) * w + jj) * c + ch;
              const fi = (p * kw + q) * c + ch;
              dx[xi] += gy * f[fi];
              df[fi] += gy * x[xi];
            }
        }
  return { dx, df };
}

const CASES: Case[] = [
  { shape: [1, 8, 8, 4], kh: 3, kw: 3, d: 2 },
  { shape: [2, 7, 9, 3], kh: 3, kw: 3, d: 3 }, // receptive field 7 on a 7-high map
  { shape: [1, 8, 8, 4], kh: 2, kw: 2, d: 3 }, // even kernel: asymmetric 'same' padding
  { shape: [1, 6, 6, 2], kh: 3, kw: 3, d: 1 },
];

describeBackends('dilatedDepthwiseConv2d', (backend) => {
  for (const cs of CASES) {
    const tag = `[${cs.shape}] k${cs.kh}x${cs.kw} d${cs.d}`;
    const size = cs.shape.reduce((a, b) => a * b, 1);
    const x = seededValues(size, 11);
    const f = seededValues(cs.kh * cs.kw * cs.shape[3], 12);
    const g = seededValues(size, 13);

    it(`forward equals the loop definition ${tag} (${backend})`, async () => {
      const y = tf.tidy(() =>
        dilatedDepthwiseConv2d(
          tf.tensor4d(x, cs.shape),
          tf.tensor4d(f, [cs.kh, cs.kw, cs.shape[3], 1]),
          cs.d,
        ),
      );
      const got = await y.data();
      y.dispose();
      expect(maxAbsDiff(got, forwardLoops(x, f, cs))).toBeLessThan(1e-5);
    });

    it(`custom gradient equals the loop adjoint ${tag} (${backend})`, async () => {
      await expectNoLeak(async () => {
        const xt = tf.tensor4d(x, cs.shape);
        const ft = tf.tensor4d(f, [cs.kh, cs.kw, cs.shape[3], 1]);
        const gt = tf.tensor4d(g, cs.shape);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(dilatedDepthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, cs.d), gt)),
        )([xt, ft]);
        const ref = gradientLoops(x, f, g, cs);
        expect(dx.shape).toEqual(cs.shape);
        expect(df.shape).toEqual([cs.kh, cs.kw, cs.shape[3], 1]);
        expect(maxRelDiff(await dx.data(), ref.dx)).toBeLessThan(1e-5);
        expect(maxRelDiff(await df.data(), ref.df)).toBeLessThan(1e-5);
        tf.dispose([xt, ft, gt, dx, df]);
      });
    });
  }

  it(`the layer trains: one SGD step lowers the loss (${backend})`, async () => {
    const layer = dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 2 });
    const x = tf.tensor4d(seededValues(1 * 8 * 8 * 4, 21), [1, 8, 8, 4]);
    const target = tf.tensor4d(seededValues(1 * 8 * 8 * 4, 22), [1, 8, 8, 4]);
    const loss = () => tf.mean(tf.square(tf.sub(layer.apply(x) as tf.Tensor, target))) as tf.Scalar;
    const lossValue = async () => {
      const l = loss();
      const v = (await l.data())[0];
      l.dispose();
      return v;
    };
    const before = await lossValue();
    const optimizer = tf.train.sgd(0.5);
    await expectNoLeak(() => tf.dispose(optimizer.minimize(loss, true) ?? []), 'sgd step');
    const after = await lossValue();
    expect(after).toBeLessThan(before);
    optimizer.dispose();
    tf.dispose([x, target]);
    layer.dispose();
  });
});

describe('dilatedDepthwiseConv2d vs the space-to-batch formulation (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  /** pad 'same' -> spaceToBatchND -> plain depthwise conv -> batchToSpaceND -> crop: autodiffable. */
  function spaceToBatchConv(x: tf.Tensor4D, f: tf.Tensor4D, d: number): tf.Tensor4D {
    const [, h, w] = x.shape;
    const [kh, kw] = f.shape;
    const top = Math.floor((d * (kh - 1)) / 2);
    const left = Math.floor((d * (kw - 1)) / 2);
    const hp = h + d * (kh - 1);
    const wp = w + d * (kw - 1);
    const extraH = Math.ceil(hp / d) * d - hp;
    const extraW = Math.ceil(wp / d) * d - wp;
    const padded = tf.pad(x, [
      [0, 0],
      [top, d * (kh - 1) - top + extraH],
      [left, d * (kw - 1) - left + extraW],
      [0, 0],
    ]);
    const phases = tf.spaceToBatchND(
      padded,
      [d, d],
      [
        [0, 0],
        [0, 0],
      ],
    );
    const conv = tf.depthwiseConv2d(phases as tf.Tensor4D, f, 1, 'valid');
    const merged = tf.batchToSpaceND(
      conv,
      [d, d],
      [
        [0, 0],
        [0, 0],
      ],
    );
    return tf.slice(merged, [0, 0, 0, 0], [x.shape[0], h, w, x.shape[3]]) as tf.Tensor4D;
  }

  for (const [kh, d] of [
    [3, 5],
    [3, 7],
    [2, 2],
  ]) {
    it(`k${kh} d${d}: same forward and same gradients`, () => {
      const shape: [number, number, number, number] = [2, 12, 10, 5];
      const x = tf.tensor4d(seededValues(2 * 12 * 10 * 5, 31), shape);
      const f = tf.tensor4d(seededValues(kh * kh * 5, 32), [kh, kh, 5, 1]);
      const g = tf.tensor4d(seededValues(2 * 12 * 10 * 5, 33), shape);
      const loss = (fn: typeof spaceToBatchConv) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(fn(a as tf.Tensor4D, b as tf.Tensor4D, d), g));
      const ours = tf.grads(loss(dilatedDepthwiseConv2d))([x, f]);
      const reference = tf.grads(loss(spaceToBatchConv))([x, f]);
      const yOurs = dilatedDepthwiseConv2d(x, f, d);
      const yRef = spaceToBatchConv(x, f, d);
      expect(maxAbsDiff(yOurs.dataSync(), yRef.dataSync())).toBeLessThan(1e-5);
      expect(maxRelDiff(ours[0].dataSync(), reference[0].dataSync())).toBeLessThan(1e-5);
      expect(maxRelDiff(ours[1].dataSync(), reference[1].dataSync())).toBeLessThan(1e-5);
      tf.dispose([x, f, g, yOurs, yRef, ...ours, ...reference]);
    });
  }
});

describe('DilatedDepthwiseConv2D layer (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('has the contract weights, output shape and bias', async () => {
    const layer = new DilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 5, name: 'dw' });
    expect(layer.computeOutputShape([null, 16, 12, 6])).toEqual([null, 16, 12, 6]);
    const x = tf.tensor4d(seededValues(2 * 16 * 12 * 6, 41), [2, 16, 12, 6]);
    tf.dispose(layer.apply(x) as tf.Tensor); // builds the weights under the layer's name scope
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[3, 3, 6, 1], [6]]);
    expect(layer.weights.map((w) => w.originalName)).toEqual(['dw/depthwise_kernel', 'dw/bias']);
    const f = seededValues(3 * 3 * 6, 42);
    const bias = seededValues(6, 43);
    tf.tidy(() => layer.setWeights([tf.tensor4d(f, [3, 3, 6, 1]), tf.tensor1d(bias)]));
    const tensorsBefore = tf.memory().numTensors;
    const y = layer.apply(x) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(tensorsBefore + 1); // only the output survives
    expect(y.shape).toEqual([2, 16, 12, 6]);
    const ref = forwardLoops((await x.data()) as Float32Array, f, {
      shape: [2, 16, 12, 6],
      kh: 3,
      kw: 3,
      d: 5,
    });
    for (let i = 0; i < ref.length; i++) ref[i] += bias[i % 6];
    expect(maxAbsDiff(await y.data(), ref)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('useBias false has no bias weight', () => {
    const layer = dilatedDepthwiseConv2D({ kernelSize: 5, dilationRate: 1, useBias: false });
    const x = tf.zeros([1, 8, 8, 3]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[5, 5, 3, 1]]);
    x.dispose();
    layer.dispose();
  });

  it('getConfig round-trips through fromConfig', () => {
    const layer = dilatedDepthwiseConv2D({
      kernelSize: 3,
      dilationRate: 7,
      useBias: false,
      depthwiseInitializer: 'heNormal',
      name: 'dw7',
    });
    const config = layer.getConfig();
    const restored = tf.serialization.SerializationMap.getMap().classNameMap[
      DilatedDepthwiseConv2D.className
    ][1](DilatedDepthwiseConv2D, config) as DilatedDepthwiseConv2D;
    expect(restored).toBeInstanceOf(DilatedDepthwiseConv2D);
    expect(restored.getConfig()).toEqual(config);
    expect(config).toMatchObject({ kernelSize: 3, dilationRate: 7, useBias: false, name: 'dw7' });
  });

  it('rejects bad config with LayerConfigError naming the field', () => {
    expect(() => dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 0 })).toThrow(
      LayerConfigError,
    );
    expect(() => dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 0 })).toThrow(
      /dilationRate/,
    );
    expect(() => dilatedDepthwiseConv2D({ kernelSize: 2.5, dilationRate: 1 })).toThrow(
      /kernelSize/,
    );
    expect(() =>
      dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 1, depthwiseInitializer: 'nope' }),
    ).toThrow(/depthwiseInitializer/);
    const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const f = tf.zeros([3, 3, 2, 1]) as tf.Tensor4D;
    expect(() => dilatedDepthwiseConv2d(x, f, 2)).toThrow(/filter.*\[1, 4, 4, 3\]/);
    tf.dispose([x, f]);
  });
});
