import { restoreStockWasmKernels } from '@hsrkit/layers';
import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowRankConvert } from '@hsrkit/lowrank';
import { fusedTileRunner } from './fused-tail-runner.js';
import { saveModel } from './io-node.js';
import { startTileWorkers } from './tile-workers.js';
import { lkcaNet, type UpsamplerKind } from './model.js';
import { MemorySink, memorySource, modelTileRunner, upscaleTiled } from './tiled-inference.js';

describe('fusedTileRunner: LKCA-Net with its tail fused in WebAssembly', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    restoreStockWasmKernels();
  });

  for (const upsampler of ['conv', 'group', 'svd'] as UpsamplerKind[])
    it(`gives the model's own output (${upsampler} upsampler, x4), without leaking tensors`, async () => {
      const bands = 8;
      const model = lkcaNet({ bands, scale: 4, channels: 16, blocks: 1, upsampler });
      const [h, w] = [11, 14];
      const lr = Float32Array.from(seededValues(h * w * bands, 5), (v) => (v + 1) / 2);
      const want = await modelTileRunner(model)(lr, h, w, bands);
      const fused = await fusedTileRunner(model);
      expect(fused.simd).not.toBeNull();
      const before = tf.memory().numTensors;
      const got = await fused.runner(lr, h, w, bands);
      expect(tf.memory().numTensors).toBe(before);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbsDiff(got, want) / scale).toBeLessThan(2e-5);
      model.dispose();
    });

  it('runs upscaleTiled into shared and unshared sinks alike', async () => {
    const bands = 4;
    const model = lkcaNet({ bands, scale: 2, channels: 8, blocks: 1 });
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

  it('two workers fuse the tail, skip zero-weight rows and add into the shared sink: same result', async () => {
    const bands = 8;
    const model = lkcaNet({ bands, scale: 4, channels: 16, blocks: 2 });
    const [rows, cols] = [44, 30];
    const lr = Float32Array.from(seededValues(rows * cols * bands, 9), (v) => (v + 1) / 2);
    const opts = { scale: 4, tile: 24, overlap: 8, concurrency: 2 };
    const plain = new MemorySink(rows * 4, cols * 4, bands, { shared: false });
    await upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), plain, opts);
    const dir = await mkdtemp(join(tmpdir(), 'lkca-fused-'));
    try {
      await saveModel(model, dir);
      const pool = await startTileWorkers({ modelPath: dir, runtime: 'wasm', workers: 2 });
      try {
        expect(pool.devices.every((d) => /sub-pixel tail fused/.test(d))).toBe(true);
        const sink = new MemorySink(rows * 4, cols * 4, bands);
        expect(sink.shared).toBeDefined();
        await upscaleTiled(memorySource(lr, rows, cols, bands), pool.runner, sink, opts);
        const scale = plain.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(maxAbsDiff(sink.data, plain.data) / scale).toBeLessThan(1e-4);
      } finally {
        await pool.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  for (const method of ['svd', 'group'] as const)
    it(`fuses a model compressed by @hsrkit/lowrank (${method}) and gives its output`, async () => {
      const bands = 8;
      const model = lkcaNet({ bands, scale: 4, channels: 16, blocks: 1 });
      const { model: small } = await lowRankConvert(model, {
        layers: [{ layer: 'upsampler', method, rank: 4, groups: 2 }],
      });
      const [h, w] = [9, 13];
      const lr = Float32Array.from(seededValues(h * w * bands, 15), (v) => (v + 1) / 2);
      const want = await modelTileRunner(small)(lr, h, w, bands);
      const fused = await fusedTileRunner(small);
      expect(fused.reason).toBeUndefined();
      const got = await fused.runner(lr, h, w, bands);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbsDiff(got, want) / scale).toBeLessThan(2e-5);
      model.dispose();
      small.dispose();
    });

  it('says why it runs the plain model (no sub-pixel tail)', async () => {
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
  });
});
