import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupedConv2d } from '../grouped-conv.js';
import { WasmKernelError } from '../wasm-core/errors.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { registerWasmSimdKernels } from './simd-kernels.js';

const sizeOf = (shape: number[]) => shape.reduce((p, q) => p * q, 1);
const values = (shape: number[], seed: number, scale = 1) =>
  Float32Array.from(seededValues(sizeOf(shape), seed), (v) => v * scale);

/** Runs f on the cpu backend (an independent implementation) and returns its values. */
async function onCpu(f: () => tf.Tensor): Promise<Float32Array> {
  const was = tf.getBackend();
  await tf.setBackend('cpu');
  const y = f();
  const data = (await y.data()) as Float32Array;
  y.dispose();
  await tf.setBackend(was);
  return data;
}

/**
 * Whether our kernel, not XNNPACK, made `ours`: it must differ from the stock wasm kernel's output
 * in at least one bit (other summation order: Winograd transforms, FMA, our GEMM blocking) while
 * staying within float32 rounding of it. With the fast path switched off (the probe of issue 19)
 * `ours` is the stock output itself and this says false.
 */
function fastKernelRan(ours: Float32Array, stock: Float32Array): boolean {
  if (ours.length !== stock.length) return false;
  for (let i = 0; i < ours.length; i++) if (!Object.is(ours[i], stock[i])) return true;
  return false;
}

/** Runs f with the stock wasm kernels (ours unregistered), then registers ours again. */
async function onStockWasm(f: () => tf.Tensor): Promise<Float32Array> {
  restoreStockWasmKernels();
  try {
    const y = f();
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return data;
  } finally {
    await registerWasmSimdKernels({ minWork: 1 });
  }
}

describe('registerWasmSimdKernels: 3x3 Winograd and 1x1 GEMM kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerWasmSimdKernels({ minWork: 1 });
  });
  afterAll(() => restoreStockWasmKernels());

  const cases: { name: string; x: number[]; k: number[]; bias: boolean; groups?: number }[] = [
    { name: "3x3 'same', ragged sides, bias", x: [1, 13, 7, 12], k: [3, 3, 12, 24], bias: true },
    {
      name: "3x3 'same', batch 2, Cout not a multiple of 4",
      x: [2, 8, 9, 5],
      k: [3, 3, 5, 6],
      bias: false,
    },
    { name: '1x1, bias', x: [1, 6, 10, 20], k: [1, 1, 20, 16], bias: true },
    {
      name: '1x1 block-diagonal (GroupedConv2D g=4)',
      x: [1, 9, 9, 32],
      k: [1, 1, 8, 32],
      bias: true,
      groups: 4,
    },
  ];
  for (const c of cases)
    it(`equals the cpu backend, computed by our kernel (not XNNPACK): ${c.name}`, async () => {
      const xv = values(c.x, 3);
      const kv = values(c.k, 5, 0.3);
      const bv = values([c.k[3]], 7);
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
          const k = tf.tensor4d(kv, c.k as [number, number, number, number]);
          const b = c.bias ? tf.tensor1d(bv) : undefined;
          if (c.groups) return groupedConv2d(x, k, c.groups, b);
          return b
            ? tf.fused.conv2d({ x, filter: k, bias: b, strides: 1, pad: 'same' })
            : tf.conv2d(x, k, 1, 'same');
        });
      const want = await onCpu(run);
      const got = await expectNoLeak(async () => {
        const y = run();
        const d = (await y.data()) as Float32Array;
        y.dispose();
        return d;
      }, 'simd conv');
      expect(maxRelDiff(got, want)).toBeLessThan(2e-5);
      // Our kernel ran for this geometry: not XNNPACK's bits (catches the SIMD path switched off,
      // or `takes()` refusing this geometry: both leave the stock output, bit for bit).
      const stock = await onStockWasm(run);
      expect(maxRelDiff(got, stock)).toBeLessThan(2e-5);
      expect(fastKernelRan(got, stock), 'our kernel ran, not the stock one').toBe(true);
    });

  it('leaves strided, dilated, activated and valid-padded convs to the stock kernels (bit-identical)', async () => {
    const x = tf.tensor4d(values([1, 12, 12, 8], 11), [1, 12, 12, 8]);
    const filter = tf.tensor4d(values([3, 3, 8, 16], 13, 0.3), [3, 3, 8, 16]);
    const bias = tf.tensor1d(values([16], 17));
    const runs = () => [
      tf.conv2d(x, filter, 2, 'same'),
      tf.conv2d(x, filter, 1, 'same', 'NHWC', 2),
      tf.conv2d(x, filter, 1, 'valid'),
      tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' }),
    ];
    const ours = runs();
    restoreStockWasmKernels();
    const stock = runs();
    await registerWasmSimdKernels({ minWork: 1 });
    for (let i = 0; i < stock.length; i++)
      expect(Array.from(await ours[i].data())).toEqual(Array.from(await stock[i].data()));
    tf.dispose([...stock, ...ours, x, filter, bias]);
  });

  it('mutation check: with the fast path off (stock kernels only), the fast-kernel check fails', async () => {
    // The wrong variant: no kernel of ours registered; every conv above is then XNNPACK's.
    const x = tf.tensor4d(values([1, 13, 7, 12], 3), [1, 13, 7, 12]);
    const k = tf.tensor4d(values([3, 3, 12, 24], 5, 0.3), [3, 3, 12, 24]);
    const run = () => tf.conv2d(x, k, 1, 'same');
    const stock = await onStockWasm(run);
    const stockAgain = await onStockWasm(run);
    expect(fastKernelRan(stockAgain, stock)).toBe(false);
    tf.dispose([x, k]);
  });

  it('rejects bad options with a typed error', async () => {
    await expect(registerWasmSimdKernels({ minWork: 0 })).rejects.toThrow(/minWork/);
    // Inference kernels throw the neutral error, not the training one's (deprecated) name.
    const e = await registerWasmSimdKernels({ minWork: 0 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(WasmKernelError);
    expect((e as Error).name).toBe('WasmKernelError');
    expect((e as WasmKernelError).kernel).toBe('registerWasmSimdKernels');
    await registerWasmSimdKernels({ minWork: 1 });
  });
});
