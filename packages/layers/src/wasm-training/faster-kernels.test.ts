import { expectNoLeak, maxAbsDiff, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { registerWasmTrainingKernels, WASM_FASTER_TRAINING_KERNELS } from './index.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { packWasm } from './pack.js';
import { sliceWasm } from './slice.js';
import { unpackWasm } from './unpack.js';

const sizeOf = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

/** Runs f on cpu, on wasm's stock kernels, then on wasm with the stand-ins; returns all three. */
async function onEveryKernel(
  f: () => Promise<Float32Array[]>,
): Promise<Record<'cpu' | 'stock' | 'ours', Float32Array[]>> {
  await useBackend('cpu');
  const cpu = await f();
  await useBackend('wasm');
  restoreStockWasmKernels();
  const stock = await f();
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  const ours = await expectNoLeak(f, 'stand-in');
  return { cpu, stock, ours };
}

async function readAll(ts: tf.Tensor[]): Promise<Float32Array[]> {
  const out = await Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(ts);
  return out;
}

describe('faster stand-ins for slow stock wasm kernels (registerWasmTrainingKernels({ replaceSlowKernels }))', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => restoreStockWasmKernels());

  it('replaces exactly the listed kernels, idempotently, and restores the stock ones', () => {
    const stock = WASM_FASTER_TRAINING_KERNELS.map(({ kernelName }) =>
      tf.getKernel(kernelName, 'wasm'),
    );
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    for (const { kernelName, kernelFunc } of WASM_FASTER_TRAINING_KERNELS)
      expect(tf.getKernel(kernelName, 'wasm')?.kernelFunc, kernelName).toBe(kernelFunc);
    restoreStockWasmKernels();
    for (const [i, { kernelName }] of WASM_FASTER_TRAINING_KERNELS.entries())
      expect(tf.getKernel(kernelName, 'wasm')).toBe(stock[i]);
  });

  const stackCases: { shape: number[]; axis: number; count: number }[] = [
    { shape: [2, 3, 4, 5], axis: 4, count: 3 },
    { shape: [2, 3, 4, 5], axis: 2, count: 2 },
    { shape: [3, 4], axis: 0, count: 4 },
    { shape: [2, 3, 4, 5], axis: -1, count: 3 },
    { shape: [6], axis: 0, count: 1 },
  ];
  for (const c of stackCases) {
    it(`stack / unstack of ${c.count} x [${c.shape}] on axis ${c.axis} match cpu and stock wasm`, async () => {
      const parts = Array.from({ length: c.count }, (_, i) =>
        seededValues(sizeOf(c.shape), 60 + i),
      );
      const run = async () => {
        const ts = parts.map((p) => tf.tensor(p, c.shape));
        const stacked = tf.stack(ts, c.axis);
        const back = tf.unstack(stacked, c.axis);
        const grad = tf.grads((...xs: tf.Tensor[]) => tf.stack(xs, c.axis).square().sum())(ts);
        tf.dispose(ts);
        return readAll([stacked, ...back, ...grad]);
      };
      const r = await onEveryKernel(run);
      for (let i = 0; i < r.cpu.length; i++) {
        expect(maxAbsDiff(r.stock[i], r.cpu[i])).toBe(0);
        expect(maxAbsDiff(r.ours[i], r.cpu[i])).toBe(0);
      }
      // Unstacking gives back the inputs exactly.
      for (let i = 0; i < c.count; i++) expect(maxAbsDiff(r.ours[1 + i], parts[i])).toBe(0);
    });
  }

  const matMulCases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [7, 5], b: [7, 4], ta: true, tb: false },
    { a: [5, 7], b: [4, 7], ta: false, tb: true },
    { a: [7, 5], b: [4, 7], ta: true, tb: true },
    { a: [3, 6, 5], b: [3, 6, 2], ta: true, tb: false },
    { a: [2, 3, 5, 6], b: [1, 1, 4, 6], ta: false, tb: true },
    { a: [4, 5], b: [5, 3], ta: false, tb: false },
  ];
  for (const c of matMulCases) {
    it(`matMul [${c.a}]${c.ta ? '^T' : ''} x [${c.b}]${c.tb ? '^T' : ''} (and its gradient) match cpu and stock wasm`, async () => {
      const av = seededValues(sizeOf(c.a), 70);
      const bv = seededValues(sizeOf(c.b), 71);
      const run = async () => {
        const a = tf.tensor(av, c.a);
        const b = tf.tensor(bv, c.b);
        const y = tf.matMul(a, b, c.ta, c.tb);
        // tfjs-core's matMul gradient does not reduce broadcast batch dims: only forward there.
        const broadcast = c.a.slice(0, -2).join() !== c.b.slice(0, -2).join();
        const grads = broadcast
          ? []
          : tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.matMul(x, z, c.ta, c.tb).square().sum())([
              a,
              b,
            ]);
        tf.dispose([a, b]);
        return readAll([y, ...grads]);
      };
      const r = await onEveryKernel(run);
      for (let i = 0; i < r.cpu.length; i++) {
        expect(maxRelDiff(r.stock[i], r.cpu[i])).toBeLessThan(1e-5);
        expect(maxRelDiff(r.ours[i], r.cpu[i])).toBeLessThan(1e-5);
      }
    });
  }

  const sliceCases: { shape: number[]; begin: number[]; size: number[] }[] = [
    // A spectral-gradient loss's band differences: the last axis short by one.
    { shape: [2, 5, 4, 9], begin: [0, 0, 0, 1], size: [2, 5, 4, 8] },
    { shape: [2, 5, 4, 9], begin: [0, 0, 0, 0], size: [-1, -1, -1, 8] },
    // A middle axis, whole axes after it (one run per outer index), and every axis cut.
    { shape: [3, 6, 5, 4], begin: [1, 2, 0, 0], size: [2, 3, -1, -1] },
    { shape: [3, 6, 5, 4], begin: [1, 1, 1, 1], size: [1, 4, 3, 2] },
    { shape: [2, 3, 4, 5, 6], begin: [0, 1, 0, 2, 1], size: [2, 2, 4, 3, 4] },
    { shape: [7, 10], begin: [2, 3], size: [4, 5] },
  ];
  for (const c of sliceCases) {
    it(`slice [${c.shape}] from [${c.begin}] size [${c.size}] (and its gradient) equals cpu and stock wasm exactly`, async () => {
      const values = seededValues(sizeOf(c.shape), 90);
      const weights = seededValues(sizeOf(c.shape), 91);
      const run = async () => {
        const x = tf.tensor(values, c.shape);
        const w = tf.tensor(weights, c.shape);
        const y = tf.slice(x, c.begin, c.size);
        const asFloat = tf.tidy(() =>
          tf.cast(tf.slice(tf.cast(tf.mul(x, 1000), 'int32'), c.begin, c.size), 'float32'),
        );
        const [dx] = tf.grads((a: tf.Tensor) =>
          tf.sum(tf.mul(tf.slice(a, c.begin, c.size), tf.slice(w, c.begin, c.size))),
        )([x]);
        tf.dispose([x, w]);
        return readAll([y, asFloat, dx]);
      };
      const r = await onEveryKernel(run);
      for (let i = 0; i < r.cpu.length; i++) {
        expect(Array.from(r.stock[i])).toEqual(Array.from(r.cpu[i]));
        expect(Array.from(r.ours[i])).toEqual(Array.from(r.cpu[i]));
      }
    });
  }

  it('Slice: the stand-in called directly writes the slice into a tensor of the backend', async () => {
    await useBackend('wasm');
    const backend = tf.backend();
    const x = tf.tensor(seededValues(2 * 3 * 4, 92), [2, 3, 4]);
    const ours = sliceWasm({
      inputs: { x },
      backend,
      attrs: { begin: [0, 1, 1], size: [2, 2, 3] },
    }) as tf.TensorInfo;
    // The stand-in writes its output straight into the heap: a tensor the backend made.
    const y = tf.engine().makeTensorFromTensorInfo(ours);
    expect(y.shape).toEqual([2, 2, 3]);
    const xs = await x.data();
    const want = [];
    for (let i = 0; i < 2; i++)
      for (let j = 1; j < 3; j++) for (let k = 1; k < 4; k++) want.push(xs[(i * 3 + j) * 4 + k]);
    expect(Array.from(await y.data())).toEqual(want);
    tf.dispose([x, y]);
  });

  it('Identity shares the data (no new buffer), and either tensor outlives the other', async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    const values = seededValues(4 * 5 * 6, 93);
    const before = tf.memory();
    const x = tf.tensor(values, [4, 5, 6]);
    const y = tf.clone(x);
    // One data buffer for both: the stand-in ran (the stock kernel copies into a second one).
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    expect(tf.memory().numTensors).toBe(before.numTensors + 2);
    x.dispose();
    expect(Array.from(await y.data())).toEqual(Array.from(values));
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(await z.data())).toEqual(Array.from(values));
    z.dispose();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numTensors).toBe(before.numTensors);
  });

  it('Cast to the same dtype shares the data; to another dtype it converts', async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    const before = tf.memory();
    const x = tf.tensor([1.5, -2.25, 3.75, 0], [2, 2]);
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    const ints = tf.cast(x, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([1, -2, 3, 0]);
    const back = tf.cast(ints, 'float32');
    expect(Array.from(await back.data())).toEqual([1, -2, 3, 0]);
    x.dispose();
    expect(Array.from(await same.data())).toEqual([1.5, -2.25, 3.75, 0]);
    tf.dispose([same, ints, back]);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it('the stand-ins are the kernels that ran (called directly, they give the same numbers)', async () => {
    await useBackend('wasm');
    const backend = tf.backend();
    const x = tf.tensor(seededValues(2 * 3 * 4, 80), [2, 3, 4]);
    const y = tf.tensor(seededValues(2 * 3 * 5, 81), [2, 3, 5]);
    const mm = tf.engine().makeTensorFromTensorInfo(
      batchMatMulWasm({
        inputs: { a: x, b: y },
        backend,
        attrs: { transposeA: true, transposeB: false },
      }) as tf.TensorInfo,
    );
    const ref = tf.matMul(x, y, true, false);
    expect(maxRelDiff(await mm.data(), await ref.data())).toBeLessThan(1e-6);
    const packed = tf.engine().makeTensorFromTensorInfo(
      packWasm({
        inputs: [x, x] as unknown as tf.NamedTensorInfoMap,
        backend,
        attrs: { axis: 3 },
      }) as tf.TensorInfo,
    );
    expect(packed.shape).toEqual([2, 3, 4, 2]);
    const unpacked = (
      unpackWasm({ inputs: { value: x }, backend, attrs: { axis: 1 } }) as tf.TensorInfo[]
    ).map((t) => tf.engine().makeTensorFromTensorInfo(t));
    expect(unpacked.map((t) => t.shape)).toEqual([
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
    expect(
      maxAbsDiff(await unpacked[1].data(), await tf.slice(x, [0, 1, 0], [2, 1, 4]).data()),
    ).toBe(0);
    tf.dispose([x, y, mm, ref, packed, ...unpacked]);
  });

  it('rejects an out-of-range unstack axis and mismatched stack inputs by kernel name', () => {
    const backend = tf.backend();
    const x = tf.zeros([2, 3]);
    const z = tf.zeros([3, 2]);
    expect(() => unpackWasm({ inputs: { value: x }, backend, attrs: { axis: 2 } })).toThrow(
      /Unpack: axis 2 is out of range/,
    );
    expect(() =>
      packWasm({ inputs: [x, z] as unknown as tf.NamedTensorInfoMap, backend, attrs: { axis: 0 } }),
    ).toThrow(/Pack: all inputs must have shape \[2,3\]/);
    tf.dispose([x, z]);
  });
});
