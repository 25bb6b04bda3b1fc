import { maxAbsDiff } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { bicubicOutputSize, imresizeWeights } from '../bicubic.js';
import { LayerConfigError } from '../errors.js';
import { manifest } from './test-support.js';

describe('imresizeWeights', () => {
  it('matches the numpy port of MATLAB contributions() on every fixture matrix', () => {
    expect(manifest.weights.length).toBeGreaterThanOrEqual(5);
    for (const f of manifest.weights) {
      const got = imresizeWeights(f.inLen, f.outLen, f.scale, { antialias: f.antialias });
      expect(got.length).toBe(f.outLen * f.inLen);
      expect(maxAbsDiff(got, f.values), `${f.inLen}->${f.outLen} x${f.scale}`).toBeLessThan(1e-7);
    }
  });

  it('has rows that sum to 1, is the identity at scale 1, and mirrors at the edges', () => {
    for (const [inLen, scale] of [
      [17, 0.25],
      [9, 3],
      [30, 0.37],
      [5, 0.125],
    ]) {
      const out = bicubicOutputSize(inLen, scale);
      const m = imresizeWeights(inLen, out, scale);
      for (let i = 0; i < out; i++) {
        let s = 0;
        for (let j = 0; j < inLen; j++) s += m[i * inLen + j];
        expect(Math.abs(s - 1)).toBeLessThan(1e-6);
      }
    }
    const eye = imresizeWeights(6, 6, 1);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) expect(eye[i * 6 + j]).toBe(i === j ? 1 : 0);
    // x2 up, first output pixel: u = 0.75, taps at 1-based -1, 0, 1, 2 -> inputs 2, 1, 1, 2 (mirror).
    const up = imresizeWeights(4, 8, 2);
    const k = (t: number) => {
      const a = Math.abs(t);
      return a <= 1
        ? 1.5 * a ** 3 - 2.5 * a ** 2 + 1
        : a <= 2
          ? -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2
          : 0;
    };
    expect(up[0]).toBeCloseTo(k(0.75) + k(0.25), 7); // input 1 read at 0 (mirror) and 1
    expect(up[1]).toBeCloseTo(k(1.75) + k(1.25), 7); // input 2 read at -1 (mirror) and 2
    expect(up[2]).toBe(0);
  });

  it('uses the given scale, not out/in (MATLAB imresize(A, scale))', () => {
    expect(bicubicOutputSize(30, 0.37)).toBe(12);
    expect(bicubicOutputSize(13, 1.7)).toBe(23);
    expect(bicubicOutputSize(512, 0.25)).toBe(128);
    const given = imresizeWeights(30, 12, 0.37);
    const ratio = imresizeWeights(30, 12, 12 / 30);
    expect(maxAbsDiff(given, ratio)).toBeGreaterThan(1e-3);
  });

  it('returns a copy the caller may change', () => {
    const a = imresizeWeights(10, 5, 0.5);
    a.fill(7);
    expect(imresizeWeights(10, 5, 0.5)[0]).not.toBe(7);
  });

  it('rejects bad lengths and scales with LayerConfigError naming the field', () => {
    expect(() => imresizeWeights(0, 4, 1)).toThrow(/'inLen'/);
    expect(() => imresizeWeights(4, 2.5, 1)).toThrow(/'outLen'/);
    for (const s of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => imresizeWeights(4, 4, s)).toThrow(LayerConfigError);
    expect(() => bicubicOutputSize(10, Number.NaN)).toThrow(/'scale'/);
  });
});
