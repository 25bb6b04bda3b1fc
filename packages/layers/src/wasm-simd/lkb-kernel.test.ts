import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LargeKernelBlock, type LkbActivation } from '../lkb.js';
import { restoreStockWasmKernels } from '../wasm-training/index.js';
import { registerWasmSimdKernels } from './simd-kernels.js';

/** Every weight random (biases too, so each term of the block shows). */
function randomize(layer: LargeKernelBlock, seed: number) {
  layer.setWeights(
    layer.getWeights().map((w, i) =>
      tf.tensor(
        seededValues(w.size, seed + i).map((v) => v * 0.4),
        w.shape,
      ),
    ),
  );
}

describe('the LKB as one wasm kernel call (registerWasmSimdKernels)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => restoreStockWasmKernels());

  const cases: {
    name: string;
    x: [number, number, number, number];
    args: ConstructorParameters<typeof LargeKernelBlock>[0];
  }[] = [
    { name: "LKCA-Net's block: C=64, dilations 5 and 7, g=4, GELU", x: [1, 13, 18, 64], args: {} },
    {
      name: 'batch 2, one stage of dilation 2, 5x5 kernels, g=2, ReLU',
      x: [2, 9, 7, 32],
      args: { dilations: [2], kernelSize: 5, fusionGroups: 2, activation: 'relu' },
    },
    {
      name: 'three stages, linear, reduction 4',
      x: [1, 6, 11, 16],
      args: {
        dilations: [1, 3, 2],
        fusionGroups: 2,
        reduction: 4,
        activation: 'linear' as LkbActivation,
      },
    },
  ];
  for (const c of cases)
    it(`equals the layer's TF.js ops: ${c.name}`, async () => {
      const layer = new LargeKernelBlock(c.args);
      const x = tf.tensor4d(
        seededValues(
          c.x.reduce((p, q) => p * q, 1),
          3,
        ),
        c.x,
      );
      layer.apply(x); // build
      randomize(layer, 10);
      restoreStockWasmKernels();
      const want = (await (layer.apply(x) as tf.Tensor).data()) as Float32Array;
      await registerWasmSimdKernels();
      const before = tf.memory().numTensors;
      const y = layer.apply(x) as tf.Tensor;
      const got = (await y.data()) as Float32Array;
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(got)).not.toEqual(Array.from(want)); // another implementation ran
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbsDiff(got, want) / scale).toBeLessThan(2e-5);
      x.dispose();
      layer.dispose();
    });

  it('keeps the TF.js ops (and their gradients) while a gradient is recorded', async () => {
    await registerWasmSimdKernels();
    const layer = new LargeKernelBlock({});
    const x = tf.tensor4d(seededValues(8 * 8 * 64, 5), [1, 8, 8, 64]);
    layer.apply(x);
    randomize(layer, 20);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar,
    );
    expect(Object.keys(grads).length).toBe(layer.trainableWeights.length);
    for (const g of Object.values(grads)) expect(Number.isFinite(g.sum().dataSync()[0])).toBe(true);
    const inference = tf.sum(layer.apply(x) as tf.Tensor);
    expect(Math.abs(inference.dataSync()[0] - value.dataSync()[0])).toBeLessThan(1e-2);
    tf.dispose([value, inference, ...Object.values(grads), x]);
  });

  it('falls back where the block does not fit the kernel (C/groups not a multiple of 8)', async () => {
    await registerWasmSimdKernels();
    const layer = new LargeKernelBlock({ fusionGroups: 4, reduction: 4 });
    const x = tf.tensor4d(seededValues(5 * 5 * 12, 7), [1, 5, 5, 12]);
    const fast = (layer.apply(x) as tf.Tensor).dataSync();
    restoreStockWasmKernels();
    const stock = (layer.apply(x) as tf.Tensor).dataSync();
    expect(Array.from(fast)).toEqual(Array.from(stock));
  });
});
