import { describe, expect, it } from 'vitest';
import { TILINGS } from '../test/tilings.js';
import { axisBlendWeights } from './seam-blend.js';
import {
  defaultTileEdge,
  MIN_TILE_PASSES_PER_WORKER,
  planTiles,
  tileStarts,
  weightedRows,
  workersForCube,
} from './tile-plan.js';

describe('tileStarts', () => {
  it('covers the axis with neighbours sharing at least the overlap, the last tile on the edge', () => {
    for (const [len, tile, ov] of TILINGS) {
      const s = tileStarts(len, tile, ov);
      const size = Math.min(tile, len);
      expect(s[0]).toBe(0);
      expect(s[s.length - 1] + size).toBe(len);
      for (let i = 1; i < s.length; i++) expect(s[i - 1] + size - s[i]).toBeGreaterThanOrEqual(ov);
    }
  });
  it('rejects an overlap that is not smaller than the tile', () => {
    expect(() => tileStarts(100, 16, 16)).toThrow(/overlap/);
    expect(() => tileStarts(100, 0, 0)).toThrow(/tile/);
  });
});

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

  it('workersForCube: threads only for the tile passes that pay for starting them', () => {
    expect(MIN_TILE_PASSES_PER_WORKER).toBe(4);
    const opts = { maxWorkers: 8, tile: 96, overlap: 16 };
    // 64 x 64: one tile; 128 x 128: 2 x 2 (measured slower on two threads than on one).
    expect(workersForCube(64, 64, opts)).toEqual({ workers: 1, tilePasses: 1 });
    expect(workersForCube(128, 128, opts)).toEqual({ workers: 1, tilePasses: 4 });
    // 256 x 256: 3 x 3 tiles, two threads; 512 x 512: 7 x 7 = 49, capped at maxWorkers.
    expect(workersForCube(256, 256, opts)).toEqual({ workers: 2, tilePasses: 9 });
    expect(workersForCube(512, 512, opts)).toEqual({ workers: 8, tilePasses: 49 });
    expect(workersForCube(512, 512, { ...opts, maxWorkers: 2 }).workers).toBe(2);
    // The self-ensemble runs every tile 8 times, one pass after another: one tile, one thread
    // (a second would cut the tile in two and change the output); 2 x 2 tiles, four threads.
    expect(workersForCube(64, 64, { ...opts, selfEnsemble: true })).toEqual({
      workers: 1,
      tilePasses: 8,
    });
    expect(workersForCube(128, 128, { ...opts, selfEnsemble: true })).toEqual({
      workers: 4,
      tilePasses: 32,
    });
    // What it picks never changes the plan: the same tiles (and output) on any core count.
    for (const [r, c] of [
      [16, 16],
      [64, 64],
      [100, 40],
      [128, 128],
      [300, 200],
      [512, 512],
    ])
      for (const maxWorkers of [1, 2, 3, 8, 64])
        for (const selfEnsemble of [false, true]) {
          const o = { maxWorkers, bands: 31, scale: 4, selfEnsemble };
          const { workers } = workersForCube(r, c, o);
          expect(
            planTiles(r, c, { ...o, concurrency: workers }),
            `${r}x${c} ${maxWorkers}`,
          ).toEqual(planTiles(r, c, { ...o, concurrency: 1 }));
        }
    // Without a tile, the plan's default (defaultTileEdge of bands and scale) counts.
    const plan = planTiles(300, 300, { bands: 31, scale: 4 });
    expect(workersForCube(300, 300, { maxWorkers: 64, bands: 31, scale: 4 }).tilePasses).toBe(
      plan.rowStarts.length * plan.colStarts.length,
    );
  });
});
