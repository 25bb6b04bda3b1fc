import { describeBackends, maxAbsDiff, maxRelDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import {
  DilatedDepthwiseConv2D,
  dilatedDepthwiseConv2D,
  dilatedDepthwiseConv2d,
} from './dilated-depthwise-conv.js';
import { LayerConfigError } from './errors.js';
import {
  convGradLoops,
  convLoops,
  depthwiseConv,
  describeOnCpu,
  expectGradients,
  expectSgdStepLowersLoss,
  type LoopConv,
} from './test-support.js';

const CASES: LoopConv[] = [
  depthwiseConv([1, 8, 8, 4], 3, 3, 2),
  depthwiseConv([2, 7, 9, 3], 3, 3, 3), // receptive field 7 on a 7-high map
  depthwiseConv([1, 8, 8, 4], 2, 2, 3), // even kernel: asymmetric 'same' padding
  depthwiseConv([1, 6, 6, 2], 3, 3, 1),
];

describeBackends('dilatedDepthwiseConv2d', (backend) => {
  for (const cs of CASES) {
    const tag = `[${cs.shape}] k${cs.kh}x${cs.kw} d${cs.dilation}`;
    const size = cs.shape.reduce((a, b) => a * b, 1);
    const x = seededValues(size, 11);
    const f = seededValues(cs.kh * cs.kw * cs.shape[3], 12);
    const g = seededValues(size, 13);

    it(`forward equals the loop definition ${tag} (${backend})`, async () => {
      const y = tf.tidy(() =>
        dilatedDepthwiseConv2d(
          tf.tensor4d(x, cs.shape),
          tf.tensor4d(f, [cs.kh, cs.kw, cs.shape[3], 1]),
          cs.dilation,
        ),
      );
      const got = await y.data();
      y.dispose();
      expect(maxAbsDiff(got, convLoops(x, f, cs))).toBeLessThan(1e-5);
    });

    it(`custom gradient equals the loop adjoint ${tag} (${backend})`, async () => {
      const ref = convGradLoops(x, f, g, cs);
      await expectGradients(
        (a, b) => dilatedDepthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, cs.dilation),
        () => ({
          inputs: [tf.tensor4d(x, cs.shape), tf.tensor4d(f, [cs.kh, cs.kw, cs.shape[3], 1])],
          dy: tf.tensor4d(g, cs.shape),
        }),
        [ref.dx, ref.dw],
      );
    });
  }

  it(`the layer trains: one SGD step lowers the loss (${backend})`, async () => {
    const layer = dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 2 });
    await expectSgdStepLowersLoss(layer, [1, 8, 8, 4], 0.5, 21);
  });
});

describeOnCpu('dilatedDepthwiseConv2d vs the space-to-batch formulation', () => {
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

describeOnCpu('DilatedDepthwiseConv2D layer', () => {
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
    const x32 = (await x.data()) as Float32Array;
    const ref = convLoops(x32, f, depthwiseConv([2, 16, 12, 6], 3, 3, 5), bias);
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
