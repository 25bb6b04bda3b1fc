import { describeBackends, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { LayerConfigError } from './errors.js';
import {
  convGradLoops,
  convLoops,
  describeOnCpu,
  expectGradients,
  expectSgdStepLowersLoss,
  type LoopConv,
  pytorchGroupedConv,
} from './test-support.js';
import {
  GroupedConv2D,
  groupedConv2D,
  groupedConv2d,
  pytorchGroupedKernelToTf,
} from './grouped-conv.js';

const CASES: LoopConv[] = [
  pytorchGroupedConv([1, 6, 6, 8], 8, 3, 4),
  pytorchGroupedConv([2, 5, 7, 6], 9, 1, 3),
  pytorchGroupedConv([1, 5, 5, 4], 6, 2, 2), // even kernel: pad after
  pytorchGroupedConv([1, 4, 4, 3], 5, 3, 1), // plain conv
];

describeBackends('groupedConv2d', (backend) => {
  for (const cs of CASES) {
    const tag = `[${cs.shape}] -> ${cs.cout} k${cs.kh} g${cs.groups}`;
    const size = cs.shape.reduce((a, b) => a * b, 1);
    const ptShape = [cs.cout, cs.shape[3] / cs.groups, cs.kh, cs.kw] as const;
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
      expect(maxAbsDiff(got, convLoops(x, ptWeight, cs, bias))).toBeLessThan(1e-5);
    });

    it(`gradients equal the loop adjoint ${tag} (${backend})`, async () => {
      const ref = convGradLoops(x, ptWeight, g, cs);
      const dwTf = pytorchGroupedKernelToTf(new Float32Array(ref.dw), ptShape).values;
      const [n, h, w] = cs.shape;
      await expectGradients(
        (a, b) => groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, cs.groups),
        () => ({
          inputs: [tf.tensor4d(x, cs.shape), tf.tensor4d(tfKernel.values, tfKernel.shape)],
          dy: tf.tensor4d(g, [n, h, w, cs.cout]),
        }),
        [ref.dx, dwTf],
      );
    });
  }

  it(`the layer trains: one SGD step lowers the loss (${backend})`, async () => {
    const layer = groupedConv2D({ filters: 8, kernelSize: 3, groups: 4 });
    await expectSgdStepLowersLoss(layer, [1, 6, 6, 8], 0.2, 61);
  });
});

describeOnCpu('GroupedConv2D layer and PyTorch mapping', () => {
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
