import { maxAbsDiff, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LargeKernelBlock, type LkbActivation } from '../lkb.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { registerWasmSimdKernels } from './simd-kernels.js';

/** Every weight random (biases too, so each term of the block shows). */
function randomize(layer: LargeKernelBlock, seed: number) {
  const values = layer.getWeights().map((w, i) =>
    tf.tensor(
      seededValues(w.size, seed + i).map((v) => v * 0.4),
      w.shape,
    ),
  );
  layer.setWeights(values);
  tf.dispose(values);
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

  /** Loss sum(block(x) * dy) and its gradient for every weight of a fresh seeded block, as arrays. */
  async function blockGradients(args: ConstructorParameters<typeof LargeKernelBlock>[0]) {
    const layer = new LargeKernelBlock(args);
    const x = tf.tensor4d(seededValues(8 * 8 * 64, 5), [1, 8, 8, 64]);
    const dy = tf.tensor4d(seededValues(8 * 8 * 64, 6), [1, 8, 8, 64]);
    tf.dispose(layer.apply(x) as tf.Tensor); // build
    randomize(layer, 20);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, dy)) as tf.Scalar,
    );
    const y = layer.apply(x) as tf.Tensor;
    // Weight names without the layer's (unique, numbered) name.
    const names = layer.trainableWeights.map((w) => w.originalName.replace(/^[^/]*\//, ''));
    const out = {
      value: (await value.data())[0],
      grads: await Promise.all(
        layer.trainableWeights.map(
          async (w) => (await grads[w.originalName].data()) as Float32Array,
        ),
      ),
      names,
      inference: (await y.data()) as Float32Array,
    };
    tf.dispose([value, ...Object.values(grads), x, dy, y]);
    layer.dispose();
    return out;
  }

  it("keeps the TF.js ops (and their gradients) while a gradient is recorded: the stock kernels' gradients", async () => {
    // Reference: the same block and seeds with the stock wasm kernels only.
    restoreStockWasmKernels();
    const stock = await blockGradients({});
    // minWork 1: the block's convs run in our kernels too while the tape records.
    await registerWasmSimdKernels({ minWork: 1 });
    const before = tf.memory().numTensors;
    const ours = await blockGradients({});
    expect(tf.memory().numTensors).toBe(before);
    expect(ours.names).toEqual(stock.names);
    expect(ours.grads.length).toBe(10); // 2 depthwise, fusion, attention down and up: kernel, bias
    // Every gradient equals the stock kernels' to float32 rounding: catches a wrong or missing
    // gradient on the fast path, e.g. the fused LKB kernel taken while the tape records, or the
    // 1x1 kernel taking the fusion's permuted dense kernel for block-diagonal (checked by making
    // simd-kernels.ts test row 0 only: dw1_kernel's gradient 66 % off; the old finite-only check
    // with the default minWork never ran our convs under the tape).
    for (let i = 0; i < ours.grads.length; i++)
      expect(maxRelDiff(ours.grads[i], stock.grads[i]), ours.names[i]).toBeLessThan(1e-4);
    expect(Math.abs(ours.value - stock.value) / Math.abs(stock.value)).toBeLessThan(1e-5);
    // Outside the tape the fused kernel runs: same values, other bits.
    expect(maxRelDiff(ours.inference, stock.inference)).toBeLessThan(2e-5);
    expect(Array.from(ours.inference)).not.toEqual(Array.from(stock.inference));
  });

  it('mutation check: gradients of a wrong block (dilations 7 then 5) fail that comparison', async () => {
    restoreStockWasmKernels();
    const right = await blockGradients({});
    await registerWasmSimdKernels();
    const wrong = await blockGradients({ dilations: [7, 5] });
    const worst = Math.max(...wrong.grads.map((g, i) => maxRelDiff(g, right.grads[i])));
    expect(worst).toBeGreaterThan(1e-2);
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
