import { describe, expect, it } from 'vitest';
import { AnyBandConfigError } from './errors.js';
import { planBandGroups, reflectBand } from './grouping.js';

describe('planBandGroups', () => {
  it('starts groups every stride and adds one flush with the last band', () => {
    const starts = (B: number) => {
      const p = planBandGroups(B, 8, 4);
      return Array.from({ length: p.groups }, (_, g) => p.sources[g * 8]);
    };
    expect(starts(8)).toEqual([0]);
    expect(starts(12)).toEqual([0, 4]);
    expect(starts(13)).toEqual([0, 4, 5]);
    expect(starts(31)).toEqual([0, 4, 8, 12, 16, 20, 23]);
  });

  it('fills a group of fewer bands than G with mirrored bands', () => {
    expect(Array.from(planBandGroups(3, 8, 4).sources)).toEqual([0, 1, 2, 1, 0, 1, 2, 1]);
    expect(Array.from(planBandGroups(1, 8, 4).sources)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(reflectBand(-1, 5)).toBe(1);
  });

  it("covers every band, and each band's fusion weights sum to 1", () => {
    for (const B of [1, 2, 3, 7, 8, 9, 13, 31, 64, 205])
      for (const [G, S] of [
        [8, 4],
        [8, 3],
        [6, 6],
        [4, 1],
      ]) {
        const p = planBandGroups(B, G, S);
        const sum = new Float64Array(B);
        for (let k = 0; k < p.sources.length; k++) sum[p.sources[k]] += p.weights[k];
        for (let b = 0; b < B; b++) expect(sum[b]).toBeCloseTo(1, 6);
      }
  });

  it('rejects a stride larger than the group with a typed error', () => {
    expect(() => planBandGroups(20, 4, 5)).toThrow(AnyBandConfigError);
    expect(() => planBandGroups(0, 8, 4)).toThrow(/bands/);
  });
});
