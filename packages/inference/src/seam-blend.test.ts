import { describe, expect, it } from 'vitest';
import { TILINGS } from '../test/tilings.js';
import { axisBlendWeights } from './seam-blend.js';
import { tileStarts } from './tile-plan.js';

describe('axisBlendWeights', () => {
  it('sums to exactly 1 at every sample and is 0 near interior borders', () => {
    for (const [len, tile, ov] of TILINGS) {
      const size = Math.min(tile, len);
      const starts = tileStarts(len, tile, ov);
      const w = axisBlendWeights(len, starts, size, ov);
      const sum = new Float64Array(len);
      starts.forEach((st, i) => {
        for (let q = 0; q < size; q++) sum[st + q] += w[i][q];
      });
      for (const v of sum) expect(v).toBeCloseTo(1, 6);
      // Interior borders: the first and last overlap/4 samples of a tile next to a neighbour get
      // no weight, so a model seeing that far sees no border effect.
      const m = Math.floor(ov / 4);
      for (let i = 1; i < starts.length; i++) for (let q = 0; q < m; q++) expect(w[i][q]).toBe(0);
      for (let i = 0; i < starts.length - 1; i++)
        for (let q = 0; q < m; q++) expect(w[i][size - 1 - q]).toBe(0);
    }
  });

  it('says which sample an overlap too wide for the tiles leaves without weight', () => {
    // Tiles of 4 at 0 and 3, overlap 8: tile 0 weighs its last two samples (2, 3) 0, and sample 2
    // has no other tile.
    expect(() => axisBlendWeights(7, [0, 3], 4, 8)).toThrow(/sample 2 without weight/);
  });
});
