import { expectNoLeak, maxRelDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dilatedDepthwiseConv2d } from '../dilated-depthwise-conv.js';
import { WasmKernelError } from '../wasm-core/errors.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import {
  closeWasmSimdTrainingKernels,
  registerWasmSimdTrainingKernels,
} from './simd-training-kernels.js';
import { simdTrainingKernelCalls } from './training-state.js';
import { onCpu, seededOfShape } from './test-support.js';

type Inputs = Record<string, { shape: number[]; seed: number }>;

/** Runs one kernel on the current backend with seeded inputs; returns its values and shape. */
function run(kernel: string, inputs: Inputs, attrs: Record<string, unknown>) {
  const ts: Record<string, tf.Tensor> = {};
  for (const [name, { shape, seed }] of Object.entries(inputs))
    ts[name] = tf.tensor(seededOfShape(shape, seed), shape);
  const out = tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  const shape = out.shape;
  tf.dispose([out, ...Object.values(ts)]);
  return { values, shape };
}

/** The kernel on wasm (ours, checked to have run) against the cpu backend's. */
async function expectMatchesCpu(
  kernel: string,
  inputs: Inputs,
  attrs: Record<string, unknown>,
  tol: number,
) {
  const cpu = await onCpu(async () => run(kernel, inputs, attrs));
  const before = simdTrainingKernelCalls[kernel] ?? 0;
  const ours = await expectNoLeak(() => run(kernel, inputs, attrs), kernel);
  expect(simdTrainingKernelCalls[kernel] ?? 0).toBe(before + 1);
  expect(ours.shape).toEqual(cpu.shape);
  expect(maxRelDiff(ours.values, cpu.values)).toBeLessThan(tol);
  return ours.values;
}

const conv = (strides = 1, pad: unknown = 'same') => ({
  strides: [strides, strides],
  pad,
  dataFormat: 'NHWC',
  dilations: [1, 1],
});

/**
 * A backprop kernel of a stride-1 conv (3x3 'same' or 1x1) of an [n, h, w] image from cin to cout
 * channels against the cpu backend's: inputs seeded from `seed` on.
 */
async function expectBackpropMatchesCpu(
  kernel: typeof tf.Conv2DBackpropInput | typeof tf.Conv2DBackpropFilter,
  [n, h, w]: number[],
  k: 1 | 3,
  [cin, cout]: [number, number],
  seed: number,
) {
  const shapes = { x: [n, h, w, cin], dy: [n, h, w, cout], filter: [k, k, cin, cout] };
  const byInput = kernel === tf.Conv2DBackpropInput;
  const names = byInput ? (['dy', 'filter'] as const) : (['x', 'dy'] as const);
  const inputs = Object.fromEntries(
    names.map((name, i) => [name, { shape: shapes[name], seed: seed + i }]),
  );
  const gradShape = byInput ? { inputShape: shapes.x } : { filterShape: shapes.filter };
  const attrs = { ...conv(1, k === 3 ? 'same' : 'valid'), ...gradShape };
  await expectMatchesCpu(kernel, inputs, attrs, k === 3 ? 1e-5 : 1e-6);
}

describe('registerWasmSimdTrainingKernels: our SIMD kernels equal TF.js cpu', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerWasmSimdTrainingKernels({ minWork: 1, threads: 2 });
  });
  afterAll(async () => {
    await closeWasmSimdTrainingKernels();
    restoreStockWasmKernels();
  });

  it('Conv2D / FusedConv2D 3x3 same (Winograd): ragged tiles, odd channel counts, bias', async () => {
    await expectMatchesCpu(
      tf.Conv2D,
      { x: { shape: [2, 9, 7, 5], seed: 1 }, filter: { shape: [3, 3, 5, 11], seed: 2 } },
      conv(),
      1e-5,
    );
    await expectMatchesCpu(
      tf.FusedConv2D,
      {
        x: { shape: [3, 16, 13, 64], seed: 3 },
        filter: { shape: [3, 3, 64, 40], seed: 4 },
        bias: { shape: [40], seed: 5 },
      },
      { ...conv(), activation: 'linear' },
      1e-5,
    );
  });

  it('Conv2D 1x1 (GEMM) with bias', async () => {
    await expectMatchesCpu(
      tf.FusedConv2D,
      {
        x: { shape: [2, 5, 6, 19], seed: 6 },
        filter: { shape: [1, 1, 19, 13], seed: 7 },
        bias: { shape: [13], seed: 8 },
      },
      { ...conv(1, 'valid'), activation: 'linear' },
      1e-6,
    );
  });

  it('Conv2DBackpropInput: 3x3 same (Winograd with the flipped kernel) and 1x1', async () => {
    await expectBackpropMatchesCpu(tf.Conv2DBackpropInput, [2, 10, 9], 3, [6, 21], 9);
    await expectBackpropMatchesCpu(tf.Conv2DBackpropInput, [2, 4, 5], 1, [7, 12], 11);
  });

  it('Conv2DBackpropFilter: 3x3 same (Winograd, more tiles than one chunk) and 1x1', async () => {
    // 3 x ceil(33/4) x ceil(30/4) = 216 tiles: two chunks of the filter-gradient GEMMs.
    await expectBackpropMatchesCpu(tf.Conv2DBackpropFilter, [3, 33, 30], 3, [7, 10], 13);
    await expectBackpropMatchesCpu(tf.Conv2DBackpropFilter, [2, 6, 5], 1, [9, 17], 15);
  });

  it('DepthwiseConv2dNative: the strided large-filter form of the dilated filter gradient', async () => {
    await expectMatchesCpu(
      tf.DepthwiseConv2dNative,
      { x: { shape: [1, 30, 30, 18], seed: 19 }, filter: { shape: [16, 16, 18, 1], seed: 20 } },
      { strides: [7, 7], pad: 'valid', dilations: [1, 1] },
      1e-6,
    );
    await expectMatchesCpu(
      tf.DepthwiseConv2dNative,
      { x: { shape: [2, 20, 19, 6], seed: 17 }, filter: { shape: [7, 6, 6, 1], seed: 18 } },
      { strides: [2, 3], pad: 'same', dilations: [1, 1] },
      1e-6,
    );
  });

  it('BatchMatMul: every transpose combination, batched and broadcast', async () => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const a = ta ? [3, 13, 11] : [3, 11, 13];
      const b = tb ? [3, 9, 13] : [3, 13, 9];
      await expectMatchesCpu(
        tf.BatchMatMul,
        { a: { shape: a, seed: 21 }, b: { shape: b, seed: 22 } },
        { transposeA: ta, transposeB: tb },
        1e-6,
      );
    }
    await expectMatchesCpu(
      tf.BatchMatMul,
      { a: { shape: [1, 7, 20], seed: 23 }, b: { shape: [4, 20, 33], seed: 24 } },
      { transposeA: false, transposeB: false },
      1e-6,
    );
  });

  it('Sum over every axis but the last (bias gradients): more rows than one chunk, keepDims', async () => {
    // 3 x 11 x 9 = 297 rows: two chunks of wt_bias_grad; 37 channels, not a multiple of 4.
    await expectMatchesCpu(
      tf.Sum,
      { x: { shape: [3, 11, 9, 37], seed: 31 } },
      { axis: [0, 1, 2], keepDims: false },
      1e-5,
    );
    const kept = await expectMatchesCpu(
      tf.Sum,
      { x: { shape: [40, 13], seed: 32 } },
      { axis: 0, keepDims: true },
      1e-5,
    );
    expect(kept.length).toBe(13);
    // Any other reduction is the stock kernel's.
    const before = simdTrainingKernelCalls[tf.Sum] ?? 0;
    const stock = run(
      tf.Sum,
      { x: { shape: [4, 6, 5], seed: 33 } },
      { axis: [1, 2], keepDims: false },
    );
    expect(stock.shape).toEqual([4]);
    expect(simdTrainingKernelCalls[tf.Sum] ?? 0).toBe(before);
  });

  it('gives the same bits on 1 and 2 threads (each output is summed in the same order)', async () => {
    const inputs: Inputs = {
      x: { shape: [4, 12, 12, 16], seed: 25 },
      dy: { shape: [4, 12, 12, 24], seed: 26 },
    };
    const attrs = { ...conv(), filterShape: [3, 3, 16, 24] };
    const two = run(tf.Conv2DBackpropFilter, inputs, attrs).values;
    await registerWasmSimdTrainingKernels({ minWork: 1, threads: 1 });
    const one = run(tf.Conv2DBackpropFilter, inputs, attrs).values;
    await registerWasmSimdTrainingKernels({ minWork: 1, threads: 2 });
    expect(Array.from(two)).toEqual(Array.from(one));
  });

  it('tf.grads through a conv net equal the cpu backend, without leaks', async () => {
    const xv = seededOfShape([2, 12, 12, 8], 27);
    const w1 = seededOfShape([3, 3, 8, 16], 28);
    const w2 = seededOfShape([1, 1, 16, 8], 29);
    const dw = seededOfShape([3, 3, 16, 1], 30);
    const grads = async () => {
      const vars = [
        tf.tensor4d(w1, [3, 3, 8, 16]),
        tf.tensor4d(w2, [1, 1, 16, 8]),
        tf.tensor4d(dw, [3, 3, 16, 1]),
      ];
      const x = tf.tensor4d(xv, [2, 12, 12, 8]);
      const g = tf.grads((a, b, c) => {
        const f = tf.conv2d(x, a as tf.Tensor4D, 1, 'same');
        const d = dilatedDepthwiseConv2d(f, c as tf.Tensor4D, 2);
        return tf
          .conv2d(tf.relu(d), b as tf.Tensor4D, 1, 'same')
          .square()
          .mean();
      });
      const gs = g(vars);
      const out = await Promise.all(gs.map((t) => t.data()));
      tf.dispose([x, ...vars, ...gs]);
      return out;
    };
    const cpu = await onCpu(grads);
    const before = simdTrainingKernelCalls[tf.Conv2DBackpropFilter] ?? 0;
    const ours = await expectNoLeak(grads, 'grads');
    expect(simdTrainingKernelCalls[tf.Conv2DBackpropFilter]).toBe(before + 2);
    for (let i = 0; i < 3; i++) expect(maxRelDiff(ours[i], cpu[i])).toBeLessThan(1e-5);
  });

  it('rejects bad options with WasmKernelError', async () => {
    await expect(registerWasmSimdTrainingKernels({ threads: 0 })).rejects.toThrow(WasmKernelError);
    await expect(registerWasmSimdTrainingKernels({ minWork: 1.5 })).rejects.toThrow(/minWork/);
  });
});
