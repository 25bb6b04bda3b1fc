import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float32FileSink } from './file-sink.js';
import { saveModel } from './io-node.js';
import { startTileWorkers } from './tile-workers.js';
import { benchInference } from './inference-bench.js';
import { modelCost } from './model-cost.js';
import {
  defaultTileEdge,
  MemorySink,
  memorySource,
  modelTileRunner,
  planTiles,
  upscaleTiled,
  weightedRows,
} from './tiled-inference.js';
import { axisBlendWeights } from './tiling.js';

// A local SR net with a known receptive field: two 3x3 convs (radius 2 LR samples), a 3x3
// sub-pixel conv (radius 1) and a nearest-neighbour upsample: radius 3 in LR, 6 in HR at x2.
function localSrNet(bands: number, scale: number): tf.LayersModel {
  const x = tf.input({ shape: [null, null, bands] });
  let f = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(x) as tf.SymbolicTensor;
  f = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(f) as tf.SymbolicTensor;
  const up = tf.layers.upSampling2d({ size: [scale, scale] }).apply(f) as tf.SymbolicTensor;
  const y = tf.layers
    .conv2d({ filters: bands, kernelSize: 3, padding: 'same' })
    .apply(up) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

describe('planTiles', () => {
  it('keeps one tile per window when there are enough tiles for the workers', () => {
    const p = planTiles(200, 150, { tile: 64, overlap: 16, concurrency: 2 });
    // 4 x 3 tiles of at most 64, balanced: no tile larger than covering needs.
    expect([p.height, p.width]).toEqual([62, 61]);
    expect(p.rowStarts).toEqual([0, 46, 92, 138]);
    expect(p.colStarts).toEqual([0, 45, 89]);
    for (const [st, size, len] of [
      [p.rowStarts, p.height, 200],
      [p.colStarts, p.width, 150],
    ] as const) {
      expect(st.at(-1)! + size).toBe(len);
      for (let i = 1; i < st.length; i++)
        expect(st[i - 1] + size - st[i]).toBeGreaterThanOrEqual(16);
    }
  });

  it('cuts the longer axis so every worker gets a tile, each covering the image with the overlap', () => {
    const two = planTiles(64, 64, { tile: 64, overlap: 16, concurrency: 2 });
    expect([two.height, two.width]).toEqual([40, 64]);
    expect(two.rowStarts).toEqual([0, 24]);
    // Neighbours share at least the overlap, and the last tile ends on the edge.
    expect(two.rowStarts[0] + two.height - two.rowStarts[1]).toBeGreaterThanOrEqual(16);
    const wide = planTiles(40, 100, { tile: 128, overlap: 8, concurrency: 3 });
    expect(wide.rowStarts).toHaveLength(1);
    expect(wide.colStarts).toHaveLength(3);
    expect(wide.colStarts.at(-1)! + wide.width).toBe(100);
    const four = planTiles(64, 64, { tile: 64, overlap: 16, concurrency: 4 });
    expect(four.rowStarts.length * four.colStarts.length).toBe(4);
  });

  it('defaults to the largest tile whose HR tile fits 128 MiB (multiples of 8, 32..128)', () => {
    expect(defaultTileEdge(128, 4)).toBe(128); // (128*4)^2 * 128 * 4 B = 128 MiB
    expect(defaultTileEdge(224, 4)).toBe(96);
    expect(defaultTileEdge(31, 4)).toBe(128);
    expect(defaultTileEdge(128, 8)).toBe(64);
    expect(defaultTileEdge(4096, 8)).toBe(32);
    for (const [b, s] of [
      [128, 4],
      [224, 4],
      [200, 3],
    ]) {
      const e = defaultTileEdge(b, s);
      expect((e * s) ** 2 * b * 4).toBeLessThanOrEqual(128 * 2 ** 20);
    }
    // A 128x128 x4 cube of 128 bands: one tile, cut in two for two workers (not 9 of 54).
    const p = planTiles(128, 128, { concurrency: 2, bands: 128, scale: 4 });
    expect([p.rowStarts.length * p.colStarts.length, p.height, p.width]).toEqual([2, 72, 128]);
    // Without bands and scale: edge 64, i.e. three balanced tiles of 54 per axis.
    expect(planTiles(128, 128, {}).height).toBe(54);
  });

  it('weightedRows: the LR rows of a tile whose HR rows blending does not weigh 0', () => {
    const wy = new Float32Array(12).fill(1);
    expect(weightedRows(wy, 3)).toEqual([0, 4]);
    wy.fill(0, 0, 4); // HR rows 0..3 unused: LR row 0 and a part of row 1
    wy.fill(0, 10); // HR rows 10, 11: part of LR row 3
    expect(weightedRows(wy, 3)).toEqual([1, 4]);
    wy.fill(0, 9);
    expect(weightedRows(wy, 3)).toEqual([1, 3]);
    // The real blend weights of two 40-row tiles (overlap 16) at x4: 4 LR rows of each go unused.
    const plan = planTiles(64, 64, { concurrency: 2, bands: 128, scale: 4 });
    const w = axisBlendWeights(
      256,
      plan.rowStarts.map((r) => r * 4),
      plan.height * 4,
      plan.overlapRows * 4,
    );
    expect(w.map((t) => weightedRows(t, 4))).toEqual([
      [0, 36],
      [4, 40],
    ]);
  });

  it('never cuts tiles below twice the overlap: a tiny image stays one tile', () => {
    const p = planTiles(20, 20, { tile: 64, overlap: 16, concurrency: 8 });
    expect(p.rowStarts.length * p.colStarts.length).toBe(1);
    // Many workers: tiles stop at twice the overlap rather than recompute most of each other.
    const many = planTiles(64, 64, { tile: 64, overlap: 16, concurrency: 16 });
    expect(Math.min(many.height, many.width)).toBeGreaterThanOrEqual(32);
    expect(many.rowStarts.length * many.colStarts.length).toBeLessThan(16);
  });
});

describe('upscaleTiled', () => {
  const bands = 3;
  const scale = 2;
  const rows = 37;
  const cols = 45;
  let model: tf.LayersModel;
  let lr: Float32Array;
  let whole: Float32Array;
  let dir: string;

  beforeAll(async () => {
    await useBackend('wasm');
    model = localSrNet(bands, scale);
    lr = seededValues(rows * cols * bands, 11).map((v) => (v + 1) / 2);
    const y = model.predict(tf.tensor4d(lr, [1, rows, cols, bands])) as tf.Tensor;
    whole = (await y.data()) as Float32Array;
    tf.dispose(y);
    dir = await mkdtemp(join(tmpdir(), 'lkca-tiled-'));
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('equals the whole-image output when the receptive field fits in a quarter of the overlap', async () => {
    const before = tf.memory().numTensors;
    const sink = new MemorySink(rows * scale, cols * scale, bands);
    const progress: number[] = [];
    // RF radius 3 LR; overlap 16 LR -> margin 4 LR.
    await upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), sink, {
      scale,
      tile: 16,
      overlap: 14,
      onProgress: (d) => progress.push(d),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress.length).toBeGreaterThan(4);
    expect(maxAbsDiff(sink.data, whole)).toBeLessThan(1e-4);
  });

  it('split for two workers (rectangular tiles), still equals the whole-image output', async () => {
    const sink = new MemorySink(rows * scale, cols * scale, bands);
    let total = 0;
    await upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), sink, {
      scale,
      tile: 64,
      overlap: 14,
      concurrency: 2,
      onProgress: (_, t) => {
        total = t;
      },
    });
    expect(total).toBe(2);
    expect(maxAbsDiff(sink.data, whole)).toBeLessThan(1e-4);
  });

  it('benchInference times the tiled forward and reports the model cost, without leaks', async () => {
    const before = tf.memory().numTensors;
    const r = await benchInference({
      model,
      size: [rows, cols],
      repeats: 2,
      tile: 16,
      overlap: 14,
    });
    expect(tf.memory().numTensors).toBe(before);
    const cost = modelCost(model, [rows, cols]);
    expect(r.macs).toBe(cost.macs);
    expect(r.params).toBe(cost.params);
    expect(r.scale).toBe(scale);
    expect(r.tiles).toBeGreaterThan(4);
    // Overlapping tiles recompute their shared samples.
    expect(r.tiledMacs).toBeGreaterThan(r.macs);
    expect(r.ms).toHaveLength(2);
    expect(r.ms_median).toBeGreaterThan(0);
    expect(r.gmacPerSecond).toBeCloseTo(r.macs / 1e9 / (r.ms_median / 1000), 6);
    await expect(benchInference({ model, size: 16, workers: 2 })).rejects.toThrow(/modelPath/);
  });

  it('blends seams smoothly for a small overlap (bounded, not exact)', async () => {
    const sink = new MemorySink(rows * scale, cols * scale, bands);
    await upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), sink, {
      scale,
      tile: 12,
      overlap: 4,
    });
    const d = maxAbsDiff(sink.data, whole);
    expect(d).toBeGreaterThan(0); // the receptive field does not fit: tiles differ near borders
    expect(d).toBeLessThan(0.5);
  });

  it('accumulates into a float32 file with the same result, and stops on abort', async () => {
    const path = join(dir, 'acc.raw');
    const sink = await Float32FileSink.create(path, rows * scale, cols * scale, bands);
    await upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), sink, {
      scale,
      tile: 16,
      overlap: 14,
    });
    const back = await sink.readRows(0, rows * scale);
    await sink.close();
    expect(maxAbsDiff(back, whole)).toBeLessThan(1e-4);

    const ctrl = new AbortController();
    const sink2 = new MemorySink(rows * scale, cols * scale, bands);
    const run = upscaleTiled(memorySource(lr, rows, cols, bands), modelTileRunner(model), sink2, {
      scale,
      tile: 16,
      overlap: 8,
      signal: ctrl.signal,
      onProgress: (d) => d === 2 && ctrl.abort(),
    });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it('runs tiles on two worker threads, each with its own wasm backend, with the same result', async () => {
    const modelDir = join(dir, 'model');
    await saveModel(model, modelDir);
    const pool = await startTileWorkers({ modelPath: modelDir, runtime: 'wasm', workers: 2 });
    try {
      expect(pool.devices).toHaveLength(2);
      expect(pool.devices[0]).toMatch(/^wasm/);
      const sink = new MemorySink(rows * scale, cols * scale, bands);
      await upscaleTiled(memorySource(lr, rows, cols, bands), pool.runner, sink, {
        scale,
        tile: 16,
        overlap: 14,
        concurrency: 2,
      });
      expect(maxAbsDiff(sink.data, whole)).toBeLessThan(1e-4);
    } finally {
      await pool.close();
    }
  });
});
