import { expectNoLeak, maxRelDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupedConv2D, groupedConv2d, groupedKernelToDense } from '../grouped-conv.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import {
  GROUPED_CONV_TRAIN_BACKWARD,
  GROUPED_CONV_TRAIN_FORWARD,
} from './grouped-conv-training.js';
import {
  closeWasmSimdTrainingKernels,
  registerWasmSimdTrainingKernels,
} from './simd-training-kernels.js';
import { onCpu, seededOfShape } from './test-support.js';
import { simdTrainingKernelCalls } from './training-state.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  groups: number;
  cout: number;
  bias: boolean;
}

// Panels of 8 output channels that straddle groups (10 and 62 per group), groups of 3 and 5
// channels (neither a multiple of 4), the 'group' upsampler's shape (64 -> 496 in 8 groups), and
// groups 1 (dense) without a bias; sizes not multiples of the 4x4 Winograd tile.
const CASES: Case[] = [
  { name: '16 -> 40 in 4 groups', x: [2, 9, 7, 16], groups: 4, cout: 40, bias: true },
  { name: '9 -> 15 in 3 groups', x: [3, 5, 6, 9], groups: 3, cout: 15, bias: true },
  {
    name: "64 -> 496 in 8 groups (the 'group' upsampler, B=31)",
    x: [2, 6, 5, 64],
    groups: 8,
    cout: 496,
    bias: true,
  },
  { name: '12 -> 20 dense, no bias', x: [2, 7, 5, 12], groups: 1, cout: 20, bias: false },
];

/**
 * Loss sum(conv(x) * r) of the grouped conv: its value and the gradients of x, the kernel and the
 * bias. `reference`: TF.js's own ops and gradients (a dense conv with the block-diagonal kernel,
 * tf.conv2d + tf.add); else groupedConv2d, which trains through our op where it applies.
 */
async function grads(c: Case, reference: boolean) {
  const [n, h, w, cin] = c.x;
  const kShape = [3, 3, cin / c.groups, c.cout] as [number, number, number, number];
  const x = tf.tensor4d(seededOfShape(c.x, 1), c.x);
  const k0 = tf.tensor4d(seededOfShape(kShape, 2), kShape);
  const b0 = tf.tensor1d(seededOfShape([c.cout], 3));
  const k = tf.variable(k0);
  const b = tf.variable(b0);
  const r = tf.tensor4d(seededOfShape([n, h, w, c.cout], 4), [n, h, w, c.cout]);
  const conv = (xx: tf.Tensor4D) => {
    if (!reference) return groupedConv2d(xx, k, c.groups, c.bias ? b : undefined);
    const dense = c.groups === 1 ? k : groupedKernelToDense(k, c.groups);
    const y = tf.conv2d(xx, dense, 1, 'same');
    return c.bias ? tf.add(y, b) : y;
  };
  const loss = (xx: tf.Tensor) => tf.sum(tf.mul(conv(xx as tf.Tensor4D), r)) as tf.Scalar;
  const vars = c.bias ? [k, b] : [k];
  const { value, grads: g } = tf.variableGrads(() => loss(x), vars);
  const dx = tf.grad(loss)(x);
  const out = {
    loss: (await value.data())[0],
    dx: (await dx.data()) as Float32Array,
    dk: (await g[k.name].data()) as Float32Array,
    db: c.bias ? ((await g[b.name].data()) as Float32Array) : null,
  };
  tf.dispose([x, k0, b0, k, b, r, value, dx, ...Object.values(g)]);
  return out;
}

describe('grouped 3x3 conv trained by one op (grouped Winograd kernels) on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerWasmSimdTrainingKernels({ threads: 2 });
  });
  afterAll(async () => {
    await closeWasmSimdTrainingKernels();
    restoreStockWasmKernels();
  });

  for (const c of CASES)
    it(`${c.name}: loss and every gradient equal TF.js cpu's dense conv gradients`, async () => {
      const cpu = await onCpu(() => grads(c, true));
      const fwd = simdTrainingKernelCalls[GROUPED_CONV_TRAIN_FORWARD] ?? 0;
      const bwd = simdTrainingKernelCalls[GROUPED_CONV_TRAIN_BACKWARD] ?? 0;
      const ours = await expectNoLeak(() => grads(c, false), c.name);
      // Both gradient calls (variableGrads, grad) ran our forward and gradient kernels.
      expect(simdTrainingKernelCalls[GROUPED_CONV_TRAIN_FORWARD]).toBe(fwd + 2);
      expect(simdTrainingKernelCalls[GROUPED_CONV_TRAIN_BACKWARD]).toBe(bwd + 2);
      expect(Math.abs(ours.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
      expect(maxRelDiff(ours.dx, cpu.dx)).toBeLessThan(1e-5);
      expect(maxRelDiff(ours.dk, cpu.dk)).toBeLessThan(1e-5);
      if (c.bias) expect(maxRelDiff(ours.db!, cpu.db!)).toBeLessThan(1e-5);
    });

  it('gives the same bits on 1 and 2 threads', async () => {
    const c = CASES[2];
    const two = await grads(c, false);
    await registerWasmSimdTrainingKernels({ threads: 1 });
    const one = await grads(c, false);
    await registerWasmSimdTrainingKernels({ threads: 2 });
    expect(one.loss).toBe(two.loss);
    expect(Array.from(one.dx)).toEqual(Array.from(two.dx));
    expect(Array.from(one.dk)).toEqual(Array.from(two.dk));
    expect(Array.from(one.db!)).toEqual(Array.from(two.db!));
  });

  it('GroupedConv2D trains through the op: its weight gradients equal the cpu backend', async () => {
    const grads = async () => {
      const layer = new GroupedConv2D({ filters: 40, kernelSize: 3, groups: 4 });
      layer.build([2, 7, 6, 16]);
      const init = layer
        .getWeights()
        .map((w, i) => tf.tensor(seededOfShape(w.shape, 50 + i), w.shape));
      layer.setWeights(init);
      const x = tf.tensor4d(seededOfShape([2, 7, 6, 16], 52), [2, 7, 6, 16]);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads: g } = tf.variableGrads(
        () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar,
        vars,
      );
      const out = await Promise.all(vars.map((v) => g[v.name].data()));
      tf.dispose([x, value, ...init, ...Object.values(g)]);
      for (const w of layer.weights) w.dispose();
      return out as Float32Array[];
    };
    const cpu = await onCpu(grads);
    const before = simdTrainingKernelCalls[GROUPED_CONV_TRAIN_BACKWARD] ?? 0;
    const ours = await expectNoLeak(grads, 'GroupedConv2D gradients');
    expect(simdTrainingKernelCalls[GROUPED_CONV_TRAIN_BACKWARD]).toBe(before + 1);
    expect(ours.length).toBe(2);
    for (const [i, g] of ours.entries()) expect(maxRelDiff(g, cpu[i])).toBeLessThan(1e-5);
  });

  it('GroupedConv2D predicts (no tape) with the sliced convs, not the training op', async () => {
    const layer = new GroupedConv2D({ filters: 40, kernelSize: 3, groups: 4 });
    const x = tf.tensor4d(seededOfShape([1, 5, 5, 16], 5), [1, 5, 5, 16]);
    const before = simdTrainingKernelCalls[GROUPED_CONV_TRAIN_FORWARD] ?? 0;
    const y = layer.apply(x) as tf.Tensor;
    expect(simdTrainingKernelCalls[GROUPED_CONV_TRAIN_FORWARD] ?? 0).toBe(before);
    tf.dispose([x, y, ...layer.weights.map((v) => v.read())]);
  });
});
