import { restoreStockWasmKernels } from '@hsrkit/layers';
import { compareFusedTail, maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { espcn } from '../test/espcn.js';
import { fusedTileRunner } from './fused-tail-runner.js';
import { MemorySink, memorySource } from './memory-tiles.js';
import { modelTileRunner, upscaleTiled } from './tiled-inference.js';

describe('fusedTileRunner on a plain ESPCN', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    restoreStockWasmKernels();
  });

  for (const scale of [2, 3])
    it(`gives the model's own output (x${scale}), without leaking tensors`, async () => {
      const model = espcn(8, scale);
      const r = await compareFusedTail(model, 8);
      expect(r.reason).toBeUndefined();
      expect(r.simd).not.toBeNull();
      expect(r.relDiff).toBeLessThan(2e-5);
      model.dispose();
    });

  it('runs upscaleTiled into shared and unshared sinks alike', async () => {
    const bands = 4;
    const model = espcn(bands, 2);
    const [rows, cols] = [30, 26];
    const lr = Float32Array.from(seededValues(rows * cols * bands, 7), (v) => (v + 1) / 2);
    const { runner } = await fusedTileRunner(model);
    const sinks = [true, false].map(
      (shared) => new MemorySink(rows * 2, cols * 2, bands, { shared }),
    );
    for (const sink of sinks)
      await upscaleTiled(memorySource(lr, rows, cols, bands), runner, sink, {
        scale: 2,
        tile: 16,
        overlap: 8,
      });
    expect(sinks[0].data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sinks[1].data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(maxAbsDiff(sinks[0].data, sinks[1].data)).toBe(0);
    const plain = new MemorySink(rows * 2, cols * 2, bands);
    await upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), plain, {
      scale: 2,
      tile: 16,
      overlap: 8,
    });
    expect(maxAbsDiff(plain.data, sinks[0].data)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('says why it runs the plain model where there is no sub-pixel tail', async () => {
    const x = tf.input({ shape: [null, null, 3] });
    const model = tf.model({
      inputs: x,
      outputs: tf.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(x) as tf.SymbolicTensor,
    });
    const fused = await fusedTileRunner(model);
    expect(fused.simd).toBeNull();
    expect(fused.reason).toMatch(/PixelShuffle/);
    const lr = Float32Array.from(seededValues(4 * 4 * 3, 1));
    expect((await fused.runner(lr, 4, 4, 3)).length).toBe(48);
    model.dispose();
  });
});
