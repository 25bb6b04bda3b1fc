import type { BipImage } from '../prep/cube-input.js';
import { HsiShapeError } from '../errors.js';
import type { SsimWindow } from './ssim.js';

/** Per-band sums and per-pixel spectral products gathered by one pass over a BIP pair. */
export interface PairSums {
  /**
   * Per band: sum x, sum y, sum xx, sum yy, sum xy, sum (x - y)^2, at [6 b + q]. The last is
   * (sxx + syy) - 2 sxy (float64: relative error ~1e-16 * sxx / sum (x - y)^2, exactly 0 for x = y).
   */
  band: Float64Array;
  /** Per band mean SSIM over the valid windows (only when a uniform window was asked for). */
  ssim?: Float64Array;
  /** Per pixel: sum over bands of x*y, x*x, y*y. */
  dot: Float64Array;
  nx: Float64Array;
  ny: Float64Array;
}

/**
 * Bytes of column sums one strip may hold (5 float64 per column and band): with the k rows of
 * samples they are dropped from, a strip's working set stays within a core's L2 cache.
 */
const STRIP_BUDGET_BYTES = 640 * 1024;

/** Quantities kept per column and band: sum x, sum y, sum (xx + yy), sum xy, sum xx. */
const Q = 5;

/**
 * One pass over a BIP pair that collects everything the metrics need except a Gaussian-window
 * SSIM: per-band sums, per-pixel spectral dot products and, for a uniform window, SSIM.
 *
 * The image is cut into vertical strips (122 columns for 128 bands; overlapping by k - 1 columns)
 * and each strip is swept top to bottom reading every pixel's whole spectrum, which is contiguous
 * in BIP: reading 16 bands per pixel per pass instead strides through memory, and that read alone
 * measured ~4x slower than a sequential one. Per strip, running column sums over the last k rows are kept for every
 * band (add row r, drop row r - k in one update), and each row of windows is then scored by
 * sliding a k-wide sum along them. SSIM needs only sum (xx + yy), not the two apart, so 4 sums
 * slide; sum xx rides along in the column sums for the per-band totals.
 */
export function fusedPairPass(
  gt: BipImage,
  pred: BipImage,
  ssimWindow: SsimWindow | undefined,
  dataRange: number,
  /** Strip width in columns (default: what fits the cache budget); exposed for tests. */
  stripColumns?: number,
): PairSums {
  if (!ssimWindow) return pairSumsWithoutSsim(gt, pred);
  const { rows, cols, bands } = gt;
  const n = rows * cols;
  const X = gt.data;
  const Y = pred.data;
  const dot = new Float64Array(n);
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  const k = ssimWindow.size;
  if (rows < k || cols < k)
    throw new HsiShapeError(`SSIM: image ${rows} x ${cols} is smaller than the ${k} x ${k} window`);
  const area = k * k;
  const covNorm = ssimWindow.sampleCovariance ? area / (area - 1) : 1;
  const c1 = ((ssimWindow.k1 ?? 0.01) * dataRange) ** 2;
  const c2 = ((ssimWindow.k2 ?? 0.03) * dataRange) ** 2;
  // SSIM straight from the window sums A = sum x, B = sum y, S2 = sum (xx + yy), P = sum xy:
  // multiplying the luminance term through by area^2 and the contrast-structure term by
  // area^2 / covNorm gives the same ratio without forming any mean or variance:
  //   ((2AB + C1) (2 (area P - AB) + C2)) / ((A^2 + B^2 + C1) (area S2 - A^2 - B^2 + C2)).
  const C1 = c1 * area * area;
  const C2 = (c2 * area * area) / covNorm;
  const outCols = cols - k + 1;
  const strip =
    stripColumns ?? Math.max(4 * k, Math.floor(STRIP_BUDGET_BYTES / (bands * Q * 8)) - (k - 1));
  const rec = bands * Q;
  const cs = new Float64Array(Math.min(cols, strip + k - 1) * rec);
  const ssimSum = new Float64Array(bands);
  // Band totals come from the column sums of disjoint k-row blocks (rows 0..k-1, k..2k-1, ...);
  // the rows after the last whole block are added one sample at a time.
  const blockRows = Math.floor(rows / k) * k;
  const totals = new Float64Array(Q * bands);
  const dropOffset = k * cols * bands;

  for (let c0 = 0; c0 < cols; c0 += strip) {
    // Columns c0..ownEnd-1 are this strip's own (spectra, totals); windows starting there may
    // reach k - 1 columns further, so those are summed too.
    const ownEnd = Math.min(cols, c0 + strip);
    const sumEnd = Math.min(cols, ownEnd + k - 1);
    const windowEnd = Math.min(ownEnd, outCols);
    cs.fill(0);
    for (let r = 0; r < rows; r++) {
      const dropRow = r >= k;
      for (let c = c0; c < sumEnd; c++) {
        const p = r * cols + c;
        const src = p * bands;
        const cBase = (c - c0) * rec;
        if (!dropRow) {
          addSpectrumPair(X, Y, p, bands, cs, cBase, dot, nx, ny);
          continue;
        }
        // Add row r and drop row r - k in one update per sum.
        let d0 = 0;
        let x0 = 0;
        let y0 = 0;
        const old = src - dropOffset;
        for (let t = 0; t < bands; t++) {
          const a = X[src + t];
          const b = Y[src + t];
          const ao = X[old + t];
          const bo = Y[old + t];
          const aa = a * a;
          const bb = b * b;
          const ab = a * b;
          const aao = ao * ao;
          d0 += ab;
          x0 += aa;
          y0 += bb;
          const i = cBase + t * Q;
          cs[i] += a - ao;
          cs[i + 1] += b - bo;
          cs[i + 2] += aa + bb - (aao + bo * bo);
          cs[i + 3] += ab - ao * bo;
          cs[i + 4] += aa - aao;
        }
        dot[p] = d0;
        nx[p] = x0;
        ny[p] = y0;
      }
      if ((r + 1) % k === 0 && r < blockRows) {
        const end = (ownEnd - c0) * rec;
        for (let cBase = 0; cBase < end; cBase += rec)
          for (let i = 0; i < rec; i++) totals[i] += cs[cBase + i];
      }
      if (r >= k - 1 && windowEnd > c0) {
        // Slide a k-wide window along the column sums, band by band: each position is one window.
        for (let t = 0; t < bands; t++) {
          let sx = 0;
          let sy = 0;
          let s2 = 0;
          let sxy = 0;
          let i = t * Q;
          for (let c = 0; c < k; c++, i += rec) {
            sx += cs[i];
            sy += cs[i + 1];
            s2 += cs[i + 2];
            sxy += cs[i + 3];
          }
          let o = t * Q;
          let total = 0;
          for (let j = c0; j < windowEnd; j++, i += rec, o += rec) {
            const ab = sx * sy;
            const aabb = sx * sx + sy * sy;
            total +=
              ((2 * ab + C1) * (2 * (area * sxy - ab) + C2)) /
              ((aabb + C1) * (area * s2 - aabb + C2));
            if (j + 1 < windowEnd) {
              // Next window: add one column, drop one, as a single difference.
              sx += cs[i] - cs[o];
              sy += cs[i + 1] - cs[o + 1];
              s2 += cs[i + 2] - cs[o + 2];
              sxy += cs[i + 3] - cs[o + 3];
            }
          }
          ssimSum[t] += total;
        }
      }
    }
    for (let r = blockRows; r < rows; r++)
      for (let c = c0; c < ownEnd; c++)
        addSpectrumPair(X, Y, r * cols + c, bands, totals, 0, dot, nx, ny);
  }
  const windows = (rows - k + 1) * outCols;
  const ssim = new Float64Array(bands);
  for (let b = 0; b < bands; b++) ssim[b] = ssimSum[b] / windows;
  return { band: bandSums(totals, bands), ssim, dot, nx, ny };
}

/** The same sums without SSIM: one sequential pass, whole spectra at a time. */
function pairSumsWithoutSsim(gt: BipImage, pred: BipImage): PairSums {
  const { rows, cols, bands } = gt;
  const n = rows * cols;
  const dot = new Float64Array(n);
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  const totals = new Float64Array(Q * bands);
  for (let p = 0; p < n; p++) addSpectrumPair(gt.data, pred.data, p, bands, totals, 0, dot, nx, ny);
  return { band: bandSums(totals, bands), dot, nx, ny };
}

/**
 * Adds pixel p's spectra (x from X, y from Y) to the Q sums of each band t at
 * `sums[base + t * Q]`, and stores the pixel's sum xy, xx, yy in dot, nx, ny.
 */
function addSpectrumPair(
  X: Float32Array,
  Y: Float32Array,
  p: number,
  bands: number,
  sums: Float64Array,
  base: number,
  dot: Float64Array,
  nx: Float64Array,
  ny: Float64Array,
): void {
  const src = p * bands;
  let d0 = 0;
  let x0 = 0;
  let y0 = 0;
  for (let t = 0; t < bands; t++) {
    const a = X[src + t];
    const b = Y[src + t];
    const aa = a * a;
    const bb = b * b;
    const ab = a * b;
    d0 += ab;
    x0 += aa;
    y0 += bb;
    const i = base + t * Q;
    sums[i] += a;
    sums[i + 1] += b;
    sums[i + 2] += aa + bb;
    sums[i + 3] += ab;
    sums[i + 4] += aa;
  }
  dot[p] = d0;
  nx[p] = x0;
  ny[p] = y0;
}

/** PairSums.band from the totals of x, y, xx + yy, xy, xx. */
function bandSums(totals: Float64Array, bands: number): Float64Array {
  const band = new Float64Array(6 * bands);
  for (let b = 0; b < bands; b++) {
    const s = Q * b;
    const sxx = totals[s + 4];
    const s2 = totals[s + 2];
    const o = 6 * b;
    band[o] = totals[s];
    band[o + 1] = totals[s + 1];
    band[o + 2] = sxx;
    band[o + 3] = s2 - sxx;
    band[o + 4] = totals[s + 3];
    band[o + 5] = Math.max(0, s2 - 2 * totals[s + 3]);
  }
  return band;
}
