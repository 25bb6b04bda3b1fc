import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LargeKernelBlock, type LkbActivation } from '../lkb.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { LKB_TRAIN_BACKWARD, LKB_TRAIN_FORWARD } from './lkb-training-kernels.js';
import {
  closeWasmSimdTrainingKernels,
  registerWasmSimdTrainingKernels,
} from './simd-training-kernels.js';
import { onCpu } from './test-support.js';
import { simdTrainingKernelCalls } from './training-state.js';

const SHAPE: [number, number, number, number] = [3, 9, 7, 32];

/** A LargeKernelBlock with seeded weights (biases too, so pre-activations fall on both sides of 0). */
function seededBlock(activation: LkbActivation): LargeKernelBlock {
  const block = new LargeKernelBlock({
    dilations: [2, 3],
    fusionGroups: 4,
    reduction: 4,
    activation,
  });
  block.build(SHAPE);
  const init = block
    .getWeights()
    .map((wt, i) => tf.mul(tf.tensor(seededValues(wt.size, 40 + i), wt.shape), 0.5));
  block.setWeights(init);
  tf.dispose(init);
  return block;
}

/** Loss sum(block(x) * r): its value, the gradient of x and of every weight (layer order). */
async function blockGrads(block: LargeKernelBlock) {
  const x = tf.tensor4d(
    seededValues(
      SHAPE.reduce((p, q) => p * q),
      7,
    ),
    SHAPE,
  );
  const r = tf.tensor4d(
    seededValues(
      SHAPE.reduce((p, q) => p * q),
      8,
    ),
    SHAPE,
  );
  const vars = block.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = (xx: tf.Tensor) => tf.sum(tf.mul(block.apply(xx) as tf.Tensor, r)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(() => loss(x), vars);
  const dx = tf.grad(loss)(x);
  const out = {
    loss: (await value.data())[0],
    dx: (await dx.data()) as Float32Array,
    grads: await Promise.all(vars.map(async (v) => (await grads[v.name].data()) as Float32Array)),
  };
  tf.dispose([x, r, value, dx, ...Object.values(grads)]);
  return out;
}

/** blockGrads of a fresh seeded block on the current backend, checked for leaks. */
async function gradsOf(activation: LkbActivation) {
  const block = seededBlock(activation);
  try {
    return await expectNoLeak(() => blockGrads(block), `${activation} block gradients`);
  } finally {
    for (const wt of block.weights) wt.dispose();
  }
}

describe('LargeKernelBlock trained by one op (lkt_forward / lkt_backward) on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerWasmSimdTrainingKernels({ threads: 2 });
  });
  afterAll(async () => {
    await closeWasmSimdTrainingKernels();
    restoreStockWasmKernels();
  });

  for (const activation of ['gelu', 'relu'] as LkbActivation[])
    it(`${activation}: loss, dx and every weight gradient equal the cpu backend's TF.js ops`, async () => {
      const cpu = await onCpu(() => gradsOf(activation));
      const fwd = simdTrainingKernelCalls[LKB_TRAIN_FORWARD] ?? 0;
      const bwd = simdTrainingKernelCalls[LKB_TRAIN_BACKWARD] ?? 0;
      const ours = await gradsOf(activation);
      // Both passes of both gradient calls ran our kernels.
      expect(simdTrainingKernelCalls[LKB_TRAIN_FORWARD]).toBe(fwd + 2);
      expect(simdTrainingKernelCalls[LKB_TRAIN_BACKWARD]).toBe(bwd + 2);
      expect(Math.abs(ours.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
      expect(maxRelDiff(ours.dx, cpu.dx)).toBeLessThan(1e-5);
      expect(ours.grads.length).toBe(cpu.grads.length);
      for (const [i, g] of ours.grads.entries())
        expect(maxRelDiff(g, cpu.grads[i])).toBeLessThan(1e-5);
    });

  it('gives the same bits on 1 and 2 threads (images run whole, slots summed in image order)', async () => {
    const two = await gradsOf('gelu');
    await registerWasmSimdTrainingKernels({ threads: 1 });
    const one = await gradsOf('gelu');
    await registerWasmSimdTrainingKernels({ threads: 2 });
    expect(one.loss).toBe(two.loss);
    expect(Array.from(one.dx)).toEqual(Array.from(two.dx));
    for (const [i, g] of one.grads.entries())
      expect(Array.from(g)).toEqual(Array.from(two.grads[i]));
  });
});
