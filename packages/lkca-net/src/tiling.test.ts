import { describe, expect, it } from 'vitest';
import { axisBlendWeights, tileStarts } from './tiling.js';

describe('tileStarts', () => {
  it('covers the axis with neighbours sharing at least the overlap, the last tile on the edge', () => {
    for (const [len, tile, ov] of [
      [100, 32, 8],
      [33, 32, 8],
      [64, 32, 0],
      [257, 48, 16],
      [31, 64, 16],
    ]) {
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

describe('axisBlendWeights', () => {
  it('sums to exactly 1 at every sample and is 0 near interior borders', () => {
    for (const [len, tile, ov] of [
      [100, 32, 8],
      [257, 48, 16],
      [70, 64, 12],
    ]) {
      const s = tileStarts(len, tile, ov);
      const w = axisBlendWeights(len, s, tile, ov);
      const sum = new Float64Array(len);
      s.forEach((st, i) => {
        w[i].forEach((v, q) => {
          sum[st + q] += v;
        });
      });
      for (const v of sum) expect(v).toBeCloseTo(1, 6);
      const m = Math.floor(ov / 4);
      // Interior borders: the first m samples after a left neighbour get no weight.
      for (let i = 1; i < s.length; i++) for (let q = 0; q < m; q++) expect(w[i][q]).toBe(0);
      for (let i = 0; i < s.length - 1; i++)
        for (let q = 0; q < m; q++) expect(w[i][tile - 1 - q]).toBe(0);
    }
  });
});
