import { restoreStockWasmKernels } from '@hsrkit/layers';
import { compareFusedTail, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowRankConvert } from '@hsrkit/lowrank';
import {
  MemorySink,
  memorySource,
  modelTileRunner,
  saveModel,
  startTileWorkers,
  upscaleTiled,
} from '@hsrkit/inference/node';
import { lkcaNet, type UpsamplerKind } from './model.js';

// The generic behaviour of the fused tail runner is tested in @hsrkit/inference on a plain ESPCN;
// here: LKCA-Net's three upsamplers, its bicubic skip, and models compressed by @hsrkit/lowrank.
describe('fusedTileRunner: LKCA-Net with its tail fused in WebAssembly', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    restoreStockWasmKernels();
  });

  for (const upsampler of ['conv', 'group', 'svd'] as UpsamplerKind[])
    it(`gives the model's own output (${upsampler} upsampler, x4), without leaking tensors`, async () => {
      const model = lkcaNet({ bands: 8, scale: 4, channels: 16, blocks: 1, upsampler });
      const r = await compareFusedTail(model, 8);
      expect(r.simd).not.toBeNull();
      expect(r.relDiff).toBeLessThan(2e-5);
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
        expect(maxRelDiff(sink.data, plain.data)).toBeLessThan(1e-4);
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
      const r = await compareFusedTail(small, bands, [9, 13], 15);
      expect(r.reason).toBeUndefined();
      expect(r.relDiff).toBeLessThan(2e-5);
      model.dispose();
      small.dispose();
    });
});
