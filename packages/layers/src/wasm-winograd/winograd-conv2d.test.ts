import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { clearWinogradCache, registerWasmWinogradConv } from './index.js';

const sizeOf = (shape: number[]) => shape.reduce((p, q) => p * q, 1);
const tensor = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    seededValues(sizeOf(shape), seed).map((v) => v * scale),
    shape,
  );
/** Live buffers on the wasm backend, engine-tracked or not (the cache's filters are not). */
const backendBuffers = () => tf.engine().backend.numDataIds();

/**
 * Whether the Winograd kernel, not XNNPACK, made `ours`: its sums run in another order, so at least
 * one bit differs from the stock kernel's output (the values agree to float32 rounding, checked
 * apart). A geometry the Winograd path refuses falls back to the stock kernel and says false here.
 */
function winogradRan(ours: Float32Array, stock: Float32Array): boolean {
  if (ours.length !== stock.length) return false;
  for (let i = 0; i < ours.length; i++) if (!Object.is(ours[i], stock[i])) return true;
  return false;
}

type Case = {
  name: string;
  x: [number, number, number, number];
  cout: number;
  pad:
    | 'same'
    | 'valid'
    | number
    | [[number, number], [number, number], [number, number], [number, number]];
  bias: boolean;
};

const cases: Case[] = [
  { name: "'same', sides a multiple of 4", x: [1, 16, 20, 8], cout: 24, pad: 'same', bias: true },
  {
    name: "'same', ragged sides (tiles cropped)",
    x: [1, 13, 7, 8],
    cout: 16,
    pad: 'same',
    bias: true,
  },
  { name: "'valid', batch 2", x: [2, 11, 10, 5], cout: 12, pad: 'valid', bias: false },
  {
    name: 'explicit uneven padding',
    x: [1, 9, 9, 6],
    cout: 10,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
    bias: true,
  },
  { name: 'numeric padding 1', x: [1, 6, 6, 4], cout: 8, pad: 1, bias: false },
];

describe('Winograd F(4x4, 3x3) convolution on wasm (registerWasmWinogradConv)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => {
    restoreStockWasmKernels();
    clearWinogradCache();
  });

  for (const c of cases) {
    it(`equals the stock XNNPACK conv, computed by Winograd: ${c.name}`, async () => {
      const x = tensor(c.x, 3) as tf.Tensor4D;
      const filter = tensor([3, 3, c.x[3], c.cout], 5, 0.3) as tf.Tensor4D;
      const bias = c.bias ? tensor([c.cout], 7) : undefined;
      const run = async () => {
        const y = bias
          ? tf.fused.conv2d({ x, filter, bias, strides: 1, pad: c.pad })
          : tf.conv2d(x, filter, 1, c.pad);
        const out = { shape: y.shape, data: (await y.data()) as Float32Array };
        y.dispose();
        return out;
      };
      restoreStockWasmKernels();
      const stock = await run();
      registerWasmWinogradConv({ minChannelProduct: 1 });
      const ours = await expectNoLeak(run, 'winograd conv');
      expect(ours.shape).toEqual(stock.shape);
      // Same sums in another order: float32 rounding only.
      expect(maxRelDiff(ours.data, stock.data)).toBeLessThan(2e-5);
      // Per geometry: Winograd ran (catches e.g. a path limited to 'same' padding or batch 1,
      // where the other cases would fall back to XNNPACK and match it bit for bit).
      expect(winogradRan(ours.data, stock.data), 'Winograd ran, not the stock kernel').toBe(true);
      tf.dispose([x, filter, bias].filter((t) => t !== undefined));
    });
  }

  it('leaves strided, dilated, activated and narrow convs to the stock kernels (bit-identical)', async () => {
    const x = tensor([1, 12, 12, 8], 11) as tf.Tensor4D;
    const filter = tensor([3, 3, 8, 16], 13, 0.3) as tf.Tensor4D;
    const bias = tensor([16], 17);
    const runs = () => [
      tf.conv2d(x, filter, 2, 'same'),
      tf.conv2d(x, filter, 1, 'same', 'NHWC', 2),
      tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' }),
    ];
    restoreStockWasmKernels();
    const stock = runs();
    registerWasmWinogradConv({ minChannelProduct: 1 });
    const ours = runs();
    for (let i = 0; i < stock.length; i++)
      expect(Array.from(await ours[i].data())).toEqual(Array.from(await stock[i].data()));
    // Below the channel threshold the stock kernel runs too.
    registerWasmWinogradConv({ minChannelProduct: 8 * 16 + 1 });
    const narrow = tf.conv2d(x, filter, 1, 'same');
    restoreStockWasmKernels();
    const narrowStock = tf.conv2d(x, filter, 1, 'same');
    expect(Array.from(await narrow.data())).toEqual(Array.from(await narrowStock.data()));
    tf.dispose([...stock, ...ours, narrow, narrowStock, x, filter, bias]);
  });

  it('transforms a filter once, and frees it when the filter is disposed or the cache cleared', async () => {
    registerWasmWinogradConv({ minChannelProduct: 1 });
    clearWinogradCache();
    const x = tensor([1, 8, 8, 4], 19) as tf.Tensor4D;
    const base = backendBuffers();
    const filter = tensor([3, 3, 4, 6], 23, 0.3) as tf.Tensor4D;
    const first = tf.conv2d(x, filter, 1, 'same');
    const afterFirst = backendBuffers();
    // 36 transformed filters + 12 input-transform filters stay cached beside the output.
    expect(afterFirst - base).toBe(1 + 1 + 36 + 12);
    const second = tf.conv2d(x, filter, 1, 'same');
    expect(backendBuffers()).toBe(afterFirst + 1); // the cache was hit
    expect(Array.from(await second.data())).toEqual(Array.from(await first.data()));
    tf.dispose([first, second, filter]);
    // The next Winograd call notices the disposed filter and drops its transform.
    const other = tensor([3, 3, 4, 6], 29, 0.3) as tf.Tensor4D;
    const y = tf.conv2d(x, other, 1, 'same');
    expect(backendBuffers()).toBe(base + 2 + 36 + 12);
    tf.dispose([y, other]);
    clearWinogradCache();
    expect(backendBuffers()).toBe(base);
    x.dispose();
  });

  it('mutation check: a geometry left to the stock kernel fails the Winograd-ran check', async () => {
    // The wrong variant: Winograd refuses the conv (here: below the channel threshold), so the
    // stock kernel runs; the check must say so.
    const x = tensor([2, 11, 10, 5], 3) as tf.Tensor4D;
    const filter = tensor([3, 3, 5, 12], 5, 0.3) as tf.Tensor4D;
    const run = async () => {
      const y = tf.conv2d(x, filter, 1, 'valid');
      const d = (await y.data()) as Float32Array;
      y.dispose();
      return d;
    };
    restoreStockWasmKernels();
    const stock = await run();
    registerWasmWinogradConv({ minChannelProduct: 5 * 12 + 1 });
    const refused = await run();
    registerWasmWinogradConv({ minChannelProduct: 1 });
    const taken = await run();
    expect(winogradRan(refused, stock)).toBe(false);
    expect(winogradRan(taken, stock)).toBe(true);
    tf.dispose([x, filter]);
  });

  it('rejects bad options with a typed error', () => {
    expect(() => registerWasmWinogradConv({ cacheSize: 0 })).toThrow(
      /cacheSize must be a positive integer/,
    );
    expect(() => registerWasmWinogradConv({ minChannelProduct: 1.5 })).toThrow(/minChannelProduct/);
  });
});
