import { seededValues } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { HsiShapeError } from '../errors.js';
import { fusedPairPass } from './fused-pass.js';
import { SSIM_UNIFORM_7, type SsimWindow } from './ssim.js';

const rows = 13;
const cols = 23;
const bands = 6;
const n = rows * cols;

/** A smooth-ish positive image and a noisy prediction of it, BIP. */
function pair(): { gt: Float32Array; pred: Float32Array } {
  const u = seededValues(n * bands, 11);
  const v = seededValues(n * bands, 12);
  const gt = new Float32Array(n * bands);
  const pred = new Float32Array(n * bands);
  for (let i = 0; i < gt.length; i++) {
    gt[i] = 0.5 + 0.3 * Math.sin(i / 37) + 0.1 * u[i];
    pred[i] = gt[i] + 0.05 * v[i];
  }
  return { gt, pred };
}

/** scikit-image's definition, every window summed from scratch (means, then variances). */
function directSsim(
  x: Float32Array,
  y: Float32Array,
  b: number,
  w: SsimWindow,
  range: number,
): number {
  const k = w.size;
  const area = k * k;
  const norm = w.sampleCovariance ? area / (area - 1) : 1;
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  let total = 0;
  for (let r = 0; r + k <= rows; r++)
    for (let c = 0; c + k <= cols; c++) {
      let mx = 0;
      let my = 0;
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          mx += x[((r + i) * cols + c + j) * bands + b];
          my += y[((r + i) * cols + c + j) * bands + b];
        }
      mx /= area;
      my /= area;
      let vx = 0;
      let vy = 0;
      let vxy = 0;
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          const dx = x[((r + i) * cols + c + j) * bands + b] - mx;
          const dy = y[((r + i) * cols + c + j) * bands + b] - my;
          vx += dx * dx;
          vy += dy * dy;
          vxy += dx * dy;
        }
      vx = (vx / area) * norm;
      vy = (vy / area) * norm;
      vxy = (vxy / area) * norm;
      total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    }
  return total / ((rows - k + 1) * (cols - k + 1));
}

const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);

describe('fusedPairPass', () => {
  const { gt, pred } = pair();
  const img = (data: Float32Array) => ({ rows, cols, bands, data });

  // Direct float64 sums per band and per pixel.
  const band = new Float64Array(6 * bands);
  const dot = new Float64Array(n);
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  for (let p = 0; p < n; p++)
    for (let b = 0; b < bands; b++) {
      const x = gt[p * bands + b];
      const y = pred[p * bands + b];
      const s = 6 * b;
      band[s] += x;
      band[s + 1] += y;
      band[s + 2] += x * x;
      band[s + 3] += y * y;
      band[s + 4] += x * y;
      band[s + 5] += (x - y) * (x - y);
      dot[p] += x * y;
      nx[p] += x * x;
      ny[p] += y * y;
    }

  function expectSums(got: ReturnType<typeof fusedPairPass>, label: string) {
    for (let i = 0; i < band.length; i++)
      // sum (x - y)^2 is formed as (sxx + syy) - 2 sxy: cancellation costs a few digits there.
      expect(rel(got.band[i], band[i]), `${label} band sum ${i}`).toBeLessThan(
        i % 6 === 5 ? 1e-10 : 1e-12,
      );
    for (let p = 0; p < n; p++) {
      expect(rel(got.dot[p], dot[p]), `${label} dot ${p}`).toBeLessThan(1e-12);
      expect(rel(got.nx[p], nx[p]), `${label} nx ${p}`).toBeLessThan(1e-12);
      expect(rel(got.ny[p], ny[p]), `${label} ny ${p}`).toBeLessThan(1e-12);
    }
  }

  it('matches direct sums and window-by-window SSIM for every strip width (k = 7 and 3)', () => {
    const windows: [SsimWindow, number][] = [
      [SSIM_UNIFORM_7, 1],
      [{ kind: 'uniform', size: 3, sampleCovariance: false }, 2],
    ];
    for (const [w, range] of windows) {
      const want = Array.from({ length: bands }, (_, b) => directSsim(gt, pred, b, w, range));
      // 1 column per strip up to one strip for the whole width, and widths that leave a last
      // strip holding only columns no window starts at.
      for (const strip of [1, 2, 3, 5, 16, 17, 20, 23, 40, undefined]) {
        const label = `k ${w.size} strip ${strip ?? 'default'}`;
        const got = fusedPairPass(img(gt), img(pred), w, range, strip);
        for (let b = 0; b < bands; b++)
          expect(rel(got.ssim![b], want[b]), `${label} ssim band ${b}`).toBeLessThan(1e-12);
        expectSums(got, label);
      }
    }
  });

  it('gives the same sums without SSIM, and exactly SSIM 1 and zero error for x = y', () => {
    const got = fusedPairPass(img(gt), img(pred), undefined, 1);
    expect(got.ssim).toBeUndefined();
    expectSums(got, 'no ssim');
    const same = fusedPairPass(img(gt), img(gt), SSIM_UNIFORM_7, 1, 5);
    for (let b = 0; b < bands; b++) {
      expect(same.ssim![b]).toBe(1);
      expect(same.band[6 * b + 5]).toBe(0);
    }
  });

  it('rejects an image smaller than the window', () => {
    const small = { rows: 6, cols: 30, bands: 1, data: new Float32Array(180) };
    expect(() => fusedPairPass(small, small, SSIM_UNIFORM_7, 1)).toThrow(HsiShapeError);
  });
});
