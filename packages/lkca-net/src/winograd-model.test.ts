import { restoreStockWasmKernels } from '@hsrkit/layers';
import { maxRelDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { lkcaNet } from './model.js';
import { selectRuntime } from '@hsrkit/inference';

describe("selectRuntime('wasm', { winogradConv: true })", () => {
  afterAll(() => restoreStockWasmKernels());

  it("gives LKCA-Net's output to float32 rounding, without leaking tensors", async () => {
    await selectRuntime('wasm');
    restoreStockWasmKernels();
    const model = lkcaNet({ bands: 64, scale: 4, upsampler: 'conv', channels: 64 });
    const x = tf.tensor4d(
      seededValues(20 * 24 * 64, 3).map((v) => (v + 1) / 2),
      [1, 20, 24, 64],
    );
    const run = async () => {
      const y = model.predict(x) as tf.Tensor;
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    };
    const stock = await run();
    const info = await selectRuntime('wasm', { winogradConv: true });
    expect(info.backend).toBe('wasm');
    const before = tf.memory().numTensors;
    const fast = await run();
    expect(tf.memory().numTensors).toBe(before);
    // The upsampler (64 -> 64*16 = 1024 channels, 3x3) took the Winograd path: not bit-identical.
    expect(Array.from(fast)).not.toEqual(Array.from(stock));
    expect(maxRelDiff(fast, stock)).toBeLessThan(1e-5);
    x.dispose();
    model.dispose();
  });
});
