import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { cumulativeEnergy, kneeRank, rankForEnergy, singularValues, thinSvd } from './spectrum.js';
import reference from '../fixtures/svd-reference.json' with { type: 'json' };

describe('spectrum', () => {
  it('cumulative energy and ranks of a hand-computed spectrum', () => {
    const e = cumulativeEnergy([3, 2, 1]); // energies 9, 4, 1 of 14
    expect(Array.from(e)).toEqual([9 / 14, 13 / 14, 1]);
    expect(rankForEnergy(e, 0.5)).toBe(1);
    expect(rankForEnergy(e, 9 / 14)).toBe(1);
    expect(rankForEnergy(e, 0.9)).toBe(2);
    expect(rankForEnergy(e, 0.95)).toBe(3);
    expect(rankForEnergy(e, 1)).toBe(3);
    expect(Array.from(cumulativeEnergy([0, 0]))).toEqual([1, 1]);
  });

  it('knee: the rank where the energy curve bends', () => {
    // Four strong values then a flat tail: the knee is at the 4th.
    const s = [10, 9, 8, 7, 0.5, 0.4, 0.3, 0.3, 0.2, 0.1];
    expect(kneeRank(cumulativeEnergy(s))).toBe(4);
    // A flat spectrum has no knee to speak of: the energy is a straight line, first point wins.
    expect(kneeRank(cumulativeEnergy([1, 1, 1, 1]))).toBe(1);
  });

  it('singular values match numpy (LAPACK) for a tall and a wide matrix', () => {
    const c = reference.cases.conv2d;
    const tall = new Matrix(36, 6);
    for (let i = 0; i < 36; i++) for (let j = 0; j < 6; j++) tall.set(i, j, c.kernel[i * 6 + j]);
    const got = singularValues(tall);
    expect(got.length).toBe(6);
    for (let i = 0; i < 6; i++) expect(got[i]).toBeCloseTo(c.flat[i], 5);
    const wide = tall.transpose();
    const gotWide = singularValues(wide);
    for (let i = 0; i < 6; i++) expect(gotWide[i]).toBeCloseTo(c.flat[i], 5);
  });

  it('thin SVD reconstructs the matrix, wide or tall', () => {
    for (const [r, c] of [
      [7, 4],
      [4, 7],
    ]) {
      const m = Matrix.rand(r, c);
      const { u, s, v } = thinSvd(m);
      const k = Math.min(r, c);
      for (let i = 0; i < r; i++)
        for (let j = 0; j < c; j++) {
          let acc = 0;
          for (let t = 0; t < k; t++) acc += u.get(i, t) * s[t] * v.get(j, t);
          expect(acc).toBeCloseTo(m.get(i, j), 10);
        }
      for (let t = 1; t < k; t++) expect(s[t]).toBeLessThanOrEqual(s[t - 1]);
    }
  });
});
