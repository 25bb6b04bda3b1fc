// upscaleFileWithBandStats: the model gets the whole input's band statistics (valid samples only,
// checked against a plain loop over the cube), takes any band count, runs on the tiled file path
// (tiles in the input's units, no-data filled with the band mean, written back as no-data), and
// a fixed band count is enforced.
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cube, readCube, toBipCube, writeCube } from '@hsrkit/hsi-data/node';
import { maxAbsDiff, useBackend } from '@hsrkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TileRunner } from './tiled-inference.js';
import {
  type BandStatistics,
  type BandStatsModel,
  upscaleFileWithBandStats,
} from './upscale-file.js';
import { startTileWorkers } from './tile-workers.js';
import { UpscaleInputError } from './upscale-input-error.js';

const fixture = fileURLToPath(new URL('../fixtures/samson_crop.hdr', import.meta.url));

/**
 * A model whose output depends on the input's statistics: HR(R, C, b) = 2 * LR(R/s, C/s, b) -
 * mean_b (nearest-neighbour upsampling, so tiles and seams cannot change it). Records the
 * statistics it was given and the tiles it ran.
 */
function meanModel(scale: number, bands?: number) {
  const seen: { stats?: BandStatistics; tiles: number; maxTileValue: number } = {
    tiles: 0,
    maxTileValue: -Infinity,
  };
  const model: BandStatsModel = {
    scale,
    bands,
    runnerFor(stats) {
      seen.stats = stats;
      const runner: TileRunner = async (lr, h, w, b) => {
        seen.tiles++;
        const out = new Float32Array(h * scale * w * scale * b);
        for (let R = 0; R < h * scale; R++)
          for (let C = 0; C < w * scale; C++)
            for (let k = 0; k < b; k++) {
              const v = lr[(Math.floor(R / scale) * w + Math.floor(C / scale)) * b + k];
              seen.maxTileValue = Math.max(seen.maxTileValue, Math.abs(v));
              out[(R * w * scale + C) * b + k] = 2 * v - stats.mean[k];
            }
        return out;
      };
      return runner;
    },
  };
  return { model, seen };
}

/** Valid-sample statistics by a plain loop over the whole cube (the independent reference). */
function referenceStats(cube: Cube, isValid: (v: number) => boolean) {
  const bip = toBipCube(cube);
  const { bands } = cube;
  const sum = new Float64Array(bands);
  const sq = new Float64Array(bands);
  const count = new Float64Array(bands);
  for (let i = 0; i < bip.data.length; i++) {
    const v = bip.data[i];
    if (!isValid(v)) continue;
    sum[i % bands] += v;
    sq[i % bands] += v * v;
    count[i % bands]++;
  }
  return {
    mean: Array.from(sum, (s, b) => (count[b] ? s / count[b] : 0)),
    meanSquare: Array.from(sq, (s, b) => (count[b] ? s / count[b] : 0)),
    count: Array.from(count),
  };
}

describe('upscaleFileWithBandStats', () => {
  let dir: string;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'hsrkit-band-stats-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a real 156-band int16 cube in small tiles: the statistics and the output of the whole cube', async () => {
    const input = join(dir, 'samson.hdr');
    await copyFile(fixture, input);
    await copyFile(fixture.replace(/\.hdr$/, '.img'), join(dir, 'samson.img'));
    const lr = await readCube(input);
    const { model, seen } = meanModel(2);
    const output = join(dir, 'sr.hdr');
    const progress: number[] = [];
    const res = await upscaleFileWithBandStats(input, output, {
      model,
      tile: 8,
      overlap: 4,
      onProgress: (done) => progress.push(done),
    });
    expect([res.rows, res.cols, res.bands, res.scale]).toEqual([48, 40, 156, 2]);
    const ref = referenceStats(lr, () => true);
    expect(Array.from(seen.stats!.count)).toEqual(ref.count);
    for (let b = 0; b < lr.bands; b++) {
      expect(seen.stats!.mean[b]).toBeCloseTo(ref.mean[b], 6);
      expect(seen.stats!.meanSquare[b] / ref.meanSquare[b]).toBeCloseTo(1, 10);
    }
    expect(seen.tiles).toBeGreaterThan(4);
    expect(progress.at(-1)).toBe(seen.tiles);
    const sr = toBipCube(await readCube(output));
    const src = toBipCube(lr).data;
    let worst = 0;
    for (let R = 0; R < 48; R++)
      for (let C = 0; C < 40; C++)
        for (let b = 0; b < 156; b++) {
          const want =
            2 * src[(Math.floor(R / 2) * 20 + Math.floor(C / 2)) * 156 + b] - ref.mean[b];
          worst = Math.max(worst, Math.abs(sr.data[(R * 40 + C) * 156 + b] - want));
        }
    // Values of a few thousand: float32 blending of equal tiles.
    expect(worst).toBeLessThan(2e-3);
    // The map info is scaled as for any model.
    expect(sr.mapInfo).toBeDefined();
    expect(sr.mapInfo).not.toBe(lr.mapInfo);
  });

  it('any band count; declared no-data is left out of the statistics, filled, restored; NaN refused', async () => {
    const rows = 12;
    const cols = 10;
    const bands = 7;
    const data = new Float32Array(rows * cols * bands);
    for (let i = 0; i < data.length; i++) data[i] = 100 + ((i * 7919) % 1000) / 10;
    const at = (r: number, c: number, b: number) => (r * cols + c) * bands + b;
    data[at(3, 4, 2)] = -9999;
    data[at(0, 0, 5)] = -9999;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[at(r, c, 6)] = -9999;
    const withNoData = join(dir, 'nodata.hdr');
    await writeCube(withNoData, {
      rows,
      cols,
      bands,
      interleave: 'bip',
      data,
      noDataValue: -9999,
    });
    const { model, seen } = meanModel(3);
    const out = join(dir, 'nodata-sr.hdr');
    await upscaleFileWithBandStats(withNoData, out, { model, tile: 6, overlap: 2 });
    const ref = referenceStats({ rows, cols, bands, interleave: 'bip', data }, (v) => v !== -9999);
    expect(Array.from(seen.stats!.count)).toEqual(ref.count);
    expect(seen.stats!.count[6]).toBe(0);
    for (let b = 0; b < 6; b++) expect(seen.stats!.mean[b]).toBeCloseTo(ref.mean[b], 8);
    // No tile ever saw the no-data value itself.
    expect(seen.maxTileValue).toBeLessThan(9999);
    const sr = toBipCube(await readCube(out));
    expect(sr.noDataValue).toBe(-9999);
    const hr = (R: number, C: number, b: number) => sr.data[(R * cols * 3 + C) * bands + b];
    expect(hr(3 * 3 + 1, 4 * 3 + 2, 2)).toBe(-9999);
    expect(hr(0, 0, 5)).toBe(-9999);
    expect(hr(20, 20, 6)).toBe(-9999);
    expect(hr(3 * 3 + 1, 4 * 3 + 2, 1)).toBeCloseTo(2 * data[at(3, 4, 1)] - ref.mean[1], 2);

    // NaN without a declared no-data value: refused by the reader, naming the file.
    const nanData = data.map((v) => (v === -9999 ? Number.NaN : v));
    const withNan = join(dir, 'nan.hdr');
    await writeCube(withNan, { rows, cols, bands, interleave: 'bip', data: nanData });
    await expect(
      upscaleFileWithBandStats(withNan, join(dir, 'nan-sr.hdr'), { model: meanModel(3).model }),
    ).rejects.toThrow(/nan\.img: data: \d+ NaN\/Inf samples/);
  });

  it('a runner started per input (2 worker threads from a runner module): the same file, closed after', async () => {
    const input = join(dir, 'samson.hdr');
    const inThread = join(dir, 'threads-ref.hdr');
    await upscaleFileWithBandStats(input, inThread, { model: meanModel(2).model, tile: 8 });
    let closed = 0;
    let workers: string[] = [];
    const model: BandStatsModel = {
      scale: 2,
      async runnerFor(stats) {
        const pool = await startTileWorkers({
          modelPath: '',
          runnerModule: {
            module: new URL('../test/mean-runner-module.ts', import.meta.url).href,
            data: { scale: 2, mean: Array.from(stats.mean) },
          },
          workers: 2,
          runtime: 'cpu',
        });
        workers = pool.devices;
        return {
          runner: pool.runner,
          concurrency: 2,
          async close() {
            closed++;
            await pool.close();
          },
        };
      },
    };
    const out = join(dir, 'threads.hdr');
    await upscaleFileWithBandStats(input, out, { model, tile: 8 });
    expect(workers).toHaveLength(2);
    expect(workers[0]).toMatch(/tiles by mean-runner-module\.ts/);
    expect(closed).toBe(1);
    // Tiles blend in the order the threads finish them: float32 rounding apart.
    const want = toBipCube(await readCube(inThread)).data;
    let peak = 0;
    for (const v of want) peak = Math.max(peak, Math.abs(v));
    expect(maxAbsDiff(toBipCube(await readCube(out)).data, want) / peak).toBeLessThan(1e-6);
    // Closed on failure too: an abort mid-file.
    const ctrl = new AbortController();
    await expect(
      upscaleFileWithBandStats(input, join(dir, 'aborted.hdr'), {
        model,
        tile: 8,
        signal: ctrl.signal,
        onProgress: () => ctrl.abort(),
      }),
    ).rejects.toThrow();
    expect(closed).toBe(2);
  });

  it('runnerWith: one pool, a runner per input (several at once), released ones refused', async () => {
    const module = new URL('../test/mean-runner-module.ts', import.meta.url).href;
    const pool = await startTileWorkers({
      modelPath: '',
      runnerModule: { module, data: { scale: 2, mean: [10, 20] } },
      workers: 2,
      runtime: 'cpu',
    });
    try {
      const a = await pool.runnerWith({ scale: 2, mean: [1, 2, 3] });
      const b = await pool.runnerWith({ scale: 3, mean: [5] });
      // HR = 2 * LR(nearest) - mean: each runner with its own data, the first one's kept.
      const lr2 = Float32Array.from([4, 8]);
      const lr3 = Float32Array.from([7, 9, 11]);
      const [r0, ra, rb] = await Promise.all([
        pool.runner(lr2, 1, 1, 2),
        a.runner(lr3, 1, 1, 3),
        b.runner(Float32Array.from([6]), 1, 1, 1),
      ]);
      expect(Array.from(r0)).toEqual([-2, -4, -2, -4, -2, -4, -2, -4]);
      expect(Array.from(ra.subarray(0, 3))).toEqual([13, 16, 19]);
      expect(ra.length).toBe(12);
      expect(Array.from(rb)).toEqual(new Array(9).fill(7));
      a.release();
      await expect(a.runner(lr3, 1, 1, 3)).rejects.toThrow(/does not have/);
      // The others still run.
      expect(Array.from(await b.runner(Float32Array.from([1]), 1, 1, 1))).toEqual(
        new Array(9).fill(-3),
      );
    } finally {
      await pool.close();
    }
  });

  it('a model with a fixed band count or another scale refuses the input before writing', async () => {
    const input = join(dir, 'samson.hdr');
    const before = (await readdir(dir)).sort();
    await expect(
      upscaleFileWithBandStats(input, join(dir, 'refused.hdr'), { model: meanModel(2, 31).model }),
    ).rejects.toThrow(new UpscaleInputError(`${input} has 156 bands but the model takes 31`));
    await expect(
      upscaleFileWithBandStats(input, join(dir, 'refused.hdr'), {
        model: meanModel(2).model,
        scale: 4,
      }),
    ).rejects.toThrow(UpscaleInputError);
    expect((await readdir(dir)).sort()).toEqual(before);
  });
});
