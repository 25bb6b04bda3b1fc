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
import { LayerConfigError } from './errors.js';
import {
  GroupedConv2D,
  groupedConv2D,
  groupedConv2d,
  pytorchGroupedKernelToTf,
} from './grouped-conv.js';

interface Case {
  /** NHWC input */
  shape: [number, number, number, number];
  cout: number;
  k: number;
  groups: number;
}

/**
 * PyTorch's conv2d(groups=g) definition on an NHWC image with a PyTorch-layout weight
 * [Cout, Cin/g, k, k]: y[o] = b[o] + sum over the input channels of o's group. 'same' padding,
 * the odd pad after (PyTorch padding='same' does the same).
 */
function pytorchConvLoops(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | undefined,
  { shape, cout, k, groups }: Case,
): Float64Array {
  const [n, h, w, cin] = shape;
  const ig = cin / groups;
  const og = cout / groups;
  const pad = Math.floor((k - 1) / 2);
  const y = new Float64Array(n * h * w * cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) {
          const group = Math.floor(o / og);
          let s = bias ? bias[o] : 0;
          for (let ci = 0; ci < ig; ci++)
            for (let p = 0; p < k; p++)
              for (let q = 0; q < k; q++) {
                const ii = i + p - pad;
                const jj = j + q - pad;
                if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
                s +=
                  x[((b * h + ii) * w + jj) * cin + group * ig + ci] *
                  weight[((o * ig + ci) * k + p) * k + q];
              }
          y[((b * h + i) * w + j) * cout + o] = s;
        }
  return y;
}

/** Adjoint of pytorchConvLoops for loss = sum(y * g): dx, and dW in PyTorch layout. */
function pytorchConvGradLoops(x: Float32Array, weight: Float32Array, g: Float32Array, cs: Case) {
  const [n, h, w, cin] = cs.shape;
  const { cout, k, groups } = cs;
  const ig = cin / groups;
  const og = cout / groups;
  const pad = Math.floor((k - 1) / 2);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(weight.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) {
          const gy = g[((b * h + i) * w + j) * cout + o];
          const group = Math.floor(o / og);
          for (let ci = 0; ci < ig; ci++)
            for (let p = 0; p < k; p++)
              for (let q = 0; q < k; q++) {
                const ii = i + p - pad;
                const jj = j + q - pad;
                if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
                const xi = ((b * h + ii) * w + jj) * cin + group * ig + ci;
                const wi = ((o * ig + ci) * k + p) * k + q;
                dx[xi] += gy * weight[wi];
                dw[wi] += gy * x[xi];
              }
        }
  return { dx, dw };
}

const CASES: Case[] = [
  { shape: [1, 6, 6, 8], cout: 8, k: 3, groups: 4 },
  { shape: [2, 5, 7, 6], cout: 9, k: 1, groups: 3 },
  { shape: [1, 5, 5, 4], cout: 6, k: 2, groups: 2 }, // even kernel: pad after
  { shape: [1, 4, 4, 3], cout: 5, k: 3, groups: 1 }, // plain conv
];

describeBackends('groupedConv2d', (backend) => {
  for (const cs of CASES) {
    const tag = `[${cs.shape}] -> ${cs.cout} k${cs.k} g${cs.groups}`;
    const size = cs.shape.reduce((a, b) => a * b, 1);
    const ptShape = [cs.cout, cs.shape[3] / cs.groups, cs.k, cs.k] as const;
    const x = seededValues(size, 51);
    const ptWeight = seededValues(
      ptShape.reduce((a, b) => a * b, 1),
      52,
    );
    const bias = seededValues(cs.cout, 53);
    const g = seededValues((size / cs.shape[3]) * cs.cout, 54);
    const tfKernel = pytorchGroupedKernelToTf(ptWeight, ptShape);

    it(`forward with a PyTorch weight equals PyTorch's conv definition ${tag} (${backend})`, async () => {
      const y = tf.tidy(() =>
        groupedConv2d(
          tf.tensor4d(x, cs.shape),
          tf.tensor4d(tfKernel.values, tfKernel.shape),
          cs.groups,
          tf.tensor1d(bias),
        ),
      );
      expect(y.shape).toEqual([...cs.shape.slice(0, 3), cs.cout]);
      const got = await y.data();
      y.dispose();
      expect(maxAbsDiff(got, pytorchConvLoops(x, ptWeight, bias, cs))).toBeLessThan(1e-5);
    });

    it(`gradients equal the loop adjoint ${tag} (${backend})`, async () => {
      await expectNoLeak(async () => {
        const xt = tf.tensor4d(x, cs.shape);
        const kt = tf.tensor4d(tfKernel.values, tfKernel.shape);
        const gt = tf.tensor4d(g, [...cs.shape.slice(0, 3), cs.cout] as [
          number,
          number,
          number,
          number,
        ]);
        const [dx, dk] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, cs.groups), gt)),
        )([xt, kt]);
        const ref = pytorchConvGradLoops(x, ptWeight, g, cs);
        expect(dk.shape).toEqual(tfKernel.shape);
        expect(maxRelDiff(await dx.data(), ref.dx)).toBeLessThan(1e-5);
        const dwTf = pytorchGroupedKernelToTf(new Float32Array(ref.dw), ptShape).values;
        expect(maxRelDiff(await dk.data(), dwTf)).toBeLessThan(1e-5);
        tf.dispose([xt, kt, gt, dx, dk]);
      });
    });
  }

  it(`the layer trains: one SGD step lowers the loss (${backend})`, async () => {
    const layer = groupedConv2D({ filters: 8, kernelSize: 3, groups: 4 });
    const x = tf.tensor4d(seededValues(1 * 6 * 6 * 8, 61), [1, 6, 6, 8]);
    const target = tf.tensor4d(seededValues(1 * 6 * 6 * 8, 62), [1, 6, 6, 8]);
    const loss = () => tf.mean(tf.square(tf.sub(layer.apply(x) as tf.Tensor, target))) as tf.Scalar;
    const lossValue = async () => {
      const l = loss();
      const v = (await l.data())[0];
      l.dispose();
      return v;
    };
    const before = await lossValue();
    const optimizer = tf.train.sgd(0.2);
    await expectNoLeak(() => tf.dispose(optimizer.minimize(loss, true) ?? []), 'sgd step');
    expect(await lossValue()).toBeLessThan(before);
    optimizer.dispose();
    tf.dispose([x, target]);
    layer.dispose();
  });
});

describe('GroupedConv2D layer and PyTorch mapping (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('maps a hand-written PyTorch groups=2 weight', () => {
    // PyTorch weight [Cout=4, Cin/g=1, 1, 2]: w[o][0][0][q] = 10*o + q.
    const pt = new Float32Array([0, 1, 10, 11, 20, 21, 30, 31]);
    const { values, shape } = pytorchGroupedKernelToTf(pt, [4, 1, 1, 2]);
    expect(shape).toEqual([1, 2, 1, 4]);
    // TF [kh=1][kw][i=0][o]: kw=0 row holds o*10, kw=1 row holds o*10+1.
    expect(Array.from(values)).toEqual([0, 10, 20, 30, 1, 11, 21, 31]);
    // Input channels 0 and 1 of a 1x1x2 image: outputs 0,1 read channel 0, outputs 2,3 read 1.
    // With k=2 'same' the tap kw=1 falls on the pad to the right, so only kw=0 counts.
    const y = groupedConv2d(tf.tensor4d([1, 100], [1, 1, 1, 2]), tf.tensor4d(values, shape), 2);
    expect(Array.from(y.dataSync())).toEqual([0, 10, 2000, 3000]);
    y.dispose();
    expect(() => pytorchGroupedKernelToTf(pt, [4, 2, 1, 2])).toThrow(LayerConfigError);
  });

  it('has the contract weights and output shape, and equals the op', async () => {
    const layer = new GroupedConv2D({ filters: 6, kernelSize: 3, groups: 3, name: 'gc' });
    expect(layer.computeOutputShape([null, 10, 12, 9])).toEqual([null, 10, 12, 6]);
    const x = tf.tensor4d(seededValues(1 * 5 * 5 * 9, 71), [1, 5, 5, 9]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['gc/kernel', [3, 3, 3, 6]],
      ['gc/bias', [6]],
    ]);
    const k = tf.tensor4d(seededValues(3 * 3 * 3 * 6, 72), [3, 3, 3, 6]);
    const b = tf.tensor1d(seededValues(6, 73));
    layer.setWeights([k, b]);
    const before = tf.memory().numTensors;
    const y = layer.apply(x) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    const ref = groupedConv2d(x, k, 3, b);
    expect(maxAbsDiff(await y.data(), await ref.data())).toBe(0);
    tf.dispose([x, y, k, b, ref]);
    layer.dispose();
  });

  it('getConfig round-trips through fromConfig', () => {
    const layer = groupedConv2D({
      filters: 16,
      kernelSize: 1,
      groups: 8,
      useBias: false,
      kernelInitializer: tf.initializers.heUniform({ seed: 3 }),
    });
    const config = layer.getConfig();
    const [cls, fromConfig] =
      tf.serialization.SerializationMap.getMap().classNameMap[GroupedConv2D.className];
    const restored = fromConfig(cls, config) as GroupedConv2D;
    expect(restored).toBeInstanceOf(GroupedConv2D);
    expect(restored.getConfig()).toEqual(config);
    expect(config).toMatchObject({ filters: 16, kernelSize: 1, groups: 8, useBias: false });
  });

  it('rejects widths the groups do not divide, naming field and shape', () => {
    expect(() => groupedConv2D({ filters: 10, kernelSize: 3, groups: 4 })).toThrow(
      LayerConfigError,
    );
    expect(() => groupedConv2D({ filters: 10, kernelSize: 3, groups: 4 })).toThrow(/groups/);
    expect(() => groupedConv2D({ filters: 8, kernelSize: 0, groups: 4 })).toThrow(/kernelSize/);
    const layer = groupedConv2D({ filters: 8, kernelSize: 3, groups: 4 });
    expect(() => layer.build([null, 16, 16, 6])).toThrow(LayerConfigError);
    expect(() => layer.build([null, 16, 16, 6])).toThrow(/6 input channels.*\[null, 16, 16, 6\]/);
    const x = tf.zeros([1, 4, 4, 6]) as tf.Tensor4D;
    const k = tf.zeros([3, 3, 2, 8]) as tf.Tensor4D;
    expect(() => groupedConv2d(x, k, 2)).toThrow(/kernel/);
    tf.dispose([x, k]);
  });
});
