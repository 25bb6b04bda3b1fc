import { describeBackends, maxAbsDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bipCube, sceneCube } from '../../test/metric-fixtures.js';
import { toInterleave } from '../cube.js';
import { inMemorySource, type PatchBatch, PatchDataset, streamingSource } from './dataset.js';
import { bicubicDownsample } from './degrade.js';
import { dihedralTransform } from './dihedral.js';
import { HsiConfigError, HsiShapeError } from '../errors.js';
import { normalize } from './normalize.js';
import { splitTrainTest } from './patches.js';

// The real Jasper crop (40 x 36), 5 bands to keep tensors small on every backend.
const scene = sceneCube('jasper', 5);

/** The [P, P, B] window of the scene at (row, col), as the test's own slice. */
function window(row: number, col: number, size: number): Float32Array {
  const out = new Float32Array(size * size * scene.bands);
  for (let r = 0; r < size; r++) {
    const src = ((row + r) * scene.cols + col) * scene.bands;
    out.set(scene.data.subarray(src, src + size * scene.bands), r * size * scene.bands);
  }
  return out;
}

async function collect(ds: PatchDataset, epoch = 0): Promise<PatchBatch[]> {
  const out: PatchBatch[] = [];
  for await (const b of ds.batches({ epoch })) out.push(b);
  return out;
}

describe('PatchDataset bookkeeping', () => {
  it('counts patches and batches, shuffles by seed and epoch, and augments 8x with all', () => {
    const src = inMemorySource(scene);
    const ds = new PatchDataset(src, { patchSize: 8, stride: 4, scale: 2, batchSize: 7, seed: 1 });
    const grid = (Math.floor((40 - 8) / 4) + 1) * (Math.floor((36 - 8) / 4) + 1);
    expect(ds.length).toBe(grid);
    expect(ds.batchesPerEpoch).toBe(Math.ceil(grid / 7));
    const e0 = ds.epochItems(0);
    expect(ds.epochItems(0)).toEqual(e0);
    expect(ds.epochItems(1)).not.toEqual(e0);
    expect(
      new PatchDataset(src, { patchSize: 8, stride: 4, scale: 2, seed: 2 }).epochItems(0),
    ).not.toEqual(e0);
    const key = (i: { row: number; col: number }) => `${i.row},${i.col}`;
    expect(new Set(e0.map(key)).size).toBe(grid);
    const all = new PatchDataset(src, {
      patchSize: 8,
      stride: 4,
      scale: 2,
      augment: 'all',
      shuffle: false,
    });
    expect(all.length).toBe(8 * grid);
    expect(
      all
        .epochItems()
        .slice(0, 8)
        .map((i) => i.k),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const random = new PatchDataset(src, {
      patchSize: 8,
      stride: 4,
      scale: 2,
      augment: 'random',
      seed: 3,
    });
    expect(new Set(random.epochItems().map((i) => i.k)).size).toBeGreaterThan(4);
    const drop = new PatchDataset(src, {
      patchSize: 8,
      stride: 4,
      scale: 2,
      batchSize: 7,
      dropRemainder: true,
    });
    expect(drop.batchesPerEpoch).toBe(Math.floor(grid / 7));
  });

  it('rejects patch sizes that do not fit', () => {
    const src = inMemorySource(scene);
    expect(() => new PatchDataset(src, { patchSize: 9, scale: 2 })).toThrow(
      /not a multiple of the scale 2/,
    );
    expect(() => new PatchDataset(src, { patchSize: 48, scale: 2 })).toThrow(HsiShapeError);
    expect(() => new PatchDataset(src, { patchSize: 8, scale: 2.5 })).toThrow(HsiConfigError);
    expect(
      () => new PatchDataset(src, { patchSize: 8, scale: 2, positions: [{ row: 35, col: 0 }] }),
    ).toThrow(/outside the 40 x 36 scene/);
  });
});

describeBackends('PatchDataset batches', (backend) => {
  it('serves HR windows (augmented) and LR = bicubic x 1/s of them, and the consumer can dispose all', async () => {
    const split = splitTrainTest(
      40,
      36,
      { by: 'rows', testRows: [0, 16] },
      { patchSize: 8, stride: 8 },
    );
    const ds = new PatchDataset(inMemorySource(scene), {
      patchSize: 8,
      scale: 2,
      positions: split.train,
      batchSize: backend === 'webgpu' ? 4 : 5,
      augment: 'random',
      seed: 5,
    });
    const before = tf.memory().numTensors;
    const batches = await collect(ds);
    expect(batches.length).toBe(ds.batchesPerEpoch);
    expect(batches.reduce((n, b) => n + b.items.length, 0)).toBe(ds.length);
    const b0 = batches[0];
    expect(b0.hr.shape).toEqual([b0.items.length, 8, 8, 5]);
    expect(b0.lr.shape).toEqual([b0.items.length, 4, 4, 5]);
    const hr = await b0.hr.data();
    for (let n = 0; n < b0.items.length; n++) {
      const it = b0.items[n];
      expect(it.row).toBeGreaterThanOrEqual(16);
      const w = tf.tensor3d(window(it.row, it.col, 8), [8, 8, 5]);
      const want = dihedralTransform(w, it.k);
      expect(maxAbsDiff(hr.subarray(n * 320, (n + 1) * 320), await want.data())).toBe(0);
      tf.dispose([w, want]);
    }
    const lrRef = bicubicDownsample(b0.hr, 2);
    expect(maxAbsDiff(await b0.lr.data(), await lrRef.data())).toBeLessThan(1e-6);
    lrRef.dispose();
    expect(tf.memory().numTensors - before).toBe(2 * batches.length);
    for (const b of batches) b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('PatchDataset sources, normalisation, degradation, abort', () => {
  beforeAll(() => useBackend('wasm'));
  it('a streaming source gives the same batches as the in-memory one, reading only patch windows', async () => {
    const bsq = toInterleave(scene, 'bsq');
    const mem = inMemorySource(bsq);
    const reads: string[] = [];
    const stream = streamingSource({ rows: 40, cols: 36, bands: 5 }, async (w) => {
      reads.push(`${w.row},${w.col},${w.rows}x${w.cols}`);
      return mem.readWindow(w);
    });
    const opts = {
      patchSize: 8,
      stride: 8,
      scale: 4,
      batchSize: 6,
      augment: 'all' as const,
      seed: 9,
    };
    const a = await collect(new PatchDataset(mem, opts), 2);
    const b = await collect(new PatchDataset(stream, opts), 2);
    expect(reads.length).toBe(new PatchDataset(stream, opts).length);
    expect(reads.every((r) => r.endsWith('8x8'))).toBe(true);
    expect(b.map((x) => x.items)).toEqual(a.map((x) => x.items));
    for (let i = 0; i < a.length; i++) {
      expect(maxAbsDiff(await a[i].hr.data(), await b[i].hr.data())).toBe(0);
      expect(maxAbsDiff(await a[i].lr.data(), await b[i].lr.data())).toBe(0);
    }
    for (const x of [...a, ...b]) x.dispose();
  });

  it('applies a normalisation record and a blind-SR degradation with per-batch noise', async () => {
    const { record } = await normalize(scene, { method: 'per-band' });
    const ds = new PatchDataset(inMemorySource(scene), {
      patchSize: 8,
      scale: 2,
      batchSize: 4,
      shuffle: false,
      normalization: record,
      degradation: { blur: { sigma: 0.7, kernelSize: 3 }, noise: { sigma: 0.01, seed: 1 } },
    });
    const [b0, b1] = await collect(ds);
    const it = b0.items[0];
    const raw = window(it.row, it.col, 8);
    const hr = await b0.hr.data();
    let worst = 0;
    for (let i = 0; i < 320; i++) {
      const band = i % 5;
      worst = Math.max(
        worst,
        Math.abs(hr[i] - (raw[i] - record.offset[band]) / record.scale[band]),
      );
    }
    expect(worst).toBeLessThan(1e-6);
    // Noise is there, and differs from batch to batch (its seed is mixed with the batch index).
    const residual = async (b: PatchBatch) => {
      const clean = bicubicDownsample(b.hr, 2);
      const lr = (await b.lr.data()) as Float32Array;
      const c = await clean.data();
      clean.dispose();
      return lr.map((v, i) => v - c[i]);
    };
    const r0 = await residual(b0);
    const r1 = await residual(b1);
    const std = Math.sqrt(r0.reduce((s, v) => s + v * v, 0) / r0.length);
    expect(std).toBeGreaterThan(0.007);
    expect(std).toBeLessThan(0.013);
    expect(maxAbsDiff(r0, r1)).toBeGreaterThan(0.005);
    for (const b of [b0, b1]) b.dispose();
    expect(
      () =>
        new PatchDataset(inMemorySource(scene), {
          patchSize: 8,
          scale: 2,
          normalization: { ...record, offset: [1, 2] },
        }),
    ).toThrow(/record.offset\/scale/);
  });

  it('stops on abort, rejects a reader that returns the wrong shape, and leaks nothing either way', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const ds = new PatchDataset(inMemorySource(scene), { patchSize: 8, scale: 2, batchSize: 2 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const b of ds.batches({
          signal: controller.signal,
          onProgress: (p) => seen.push(p.batch),
        })) {
          b.dispose();
          if (b.index === 1) controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(seen).toEqual([1, 2]);
    // Breaking out early: the prefetched read is dropped, nothing is left behind.
    for await (const b of ds.batches()) {
      b.dispose();
      break;
    }
    const liar = streamingSource({ rows: 40, cols: 36, bands: 5 }, async () => bipCube(4, 4, 5));
    await expect(collect(new PatchDataset(liar, { patchSize: 8, scale: 2 }))).rejects.toThrow(
      /reader returned \[4, 4, 5\] for window rows \d+\.\.\d+, cols \d+\.\.\d+; expected \[8, 8, 5\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
