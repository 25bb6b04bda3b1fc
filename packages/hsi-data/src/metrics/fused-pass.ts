import type { BipImage } from '../prep/cube-input.js';
import { HsiShapeError } from '../prep/errors.js';
import type { SsimWindow } from './ssim.js';

/** Per-band sums and per-pixel spectral products gathered by one pass over a BIP pair. */
export interface PairSums {
  /**
   * Per band: sum x, sum y, sum xx, sum yy, sum xy, sum (x - y)^2, at [6 b + q]. The last is
   * sxx + syy - 2 sxy (float64: relative error ~1e-16 * sxx / sum (x - y)^2, exactly 0 for x = y).
   */
  band: Float64Array;
  /** Per band mean SSIM over the valid windows (only when a uniform window was asked for). */
  ssim?: Float64Array;
  /** Per pixel: sum over bands of x*y, x*x, y*y. */
  dot: Float64Array;
  nx: Float64Array;
  ny: Float64Array;
}

/** Bands handled together: one pixel's run of 16 float32 samples is one 64-byte cache line. */
const GROUP = 16;

/**
 * One pass over a BIP pair, band group by band group, that collects everything the metrics need
 * except a Gaussian-window SSIM: per-band sums, per-pixel spectral dot products and, for a
 * uniform window, SSIM. Box sums are kept as running column sums (add row r, drop row r - k)
 * then slid along the row, so no band plane is ever copied out of the interleaved data.
 */
export function fusedPairPass(
  gt: BipImage,
  pred: BipImage,
  ssimWindow: SsimWindow | undefined,
  dataRange: number,
): PairSums {
  const { rows, cols, bands } = gt;
  const n = rows * cols;
  const X = gt.data;
  const Y = pred.data;
  const dot = new Float64Array(n);
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  // Without SSIM the column sums still carry the band totals: a one-row "window".
  const k = ssimWindow?.size ?? 1;
  if (ssimWindow && (rows < k || cols < k))
    throw new HsiShapeError(`SSIM: image ${rows} x ${cols} is smaller than the ${k} x ${k} window`);
  const ssim = ssimWindow ? new Float64Array(bands) : undefined;
  const area = k * k;
  const inv = 1 / area;
  const covNorm = ssimWindow?.sampleCovariance ? area / (area - 1) : 1;
  const c1 = ((ssimWindow?.k1 ?? 0.01) * dataRange) ** 2;
  const c2 = ((ssimWindow?.k2 ?? 0.03) * dataRange) ** 2;
  const outCols = cols - k + 1;
  const G = Math.min(GROUP, bands);
  // Column sums of x, y, xx, yy, xy over the last k rows, at [(c * G + t) * 5 + q].
  const colSum = new Float64Array(cols * G * 5);
  // Band totals come from the column sums of disjoint k-row blocks (rows 0..k-1, k..2k-1, ...);
  // the rows after the last whole block are added one sample at a time.
  const blockRows = Math.floor(rows / k) * k;
  const totals = new Float64Array(5 * bands);

  for (let b0 = 0; b0 < bands; b0 += G) {
    const g = Math.min(G, bands - b0);
    colSum.fill(0);
    const ssimAcc = new Float64Array(g);
    for (let r = 0; r < rows; r++) {
      const rowPix = r * cols;
      // Without SSIM the sums are emptied after each row instead of dropping rows one by one.
      const dropRow = ssimWindow !== undefined && r >= k;
      const tail = r >= blockRows;
      for (let c = 0; c < cols; c++) {
        const p = rowPix + c;
        const src = p * bands + b0;
        let d0 = 0;
        let x0 = 0;
        let y0 = 0;
        const cBase = c * G * 5;
        for (let t = 0; t < g; t++) {
          const a = X[src + t];
          const b = Y[src + t];
          const aa = a * a;
          const bb = b * b;
          const ab = a * b;
          d0 += ab;
          x0 += aa;
          y0 += bb;
          const i = cBase + t * 5;
          colSum[i] += a;
          colSum[i + 1] += b;
          colSum[i + 2] += aa;
          colSum[i + 3] += bb;
          colSum[i + 4] += ab;
          if (tail) {
            const s = (b0 + t) * 5;
            totals[s] += a;
            totals[s + 1] += b;
            totals[s + 2] += aa;
            totals[s + 3] += bb;
            totals[s + 4] += ab;
          }
        }
        dot[p] += d0;
        nx[p] += x0;
        ny[p] += y0;
        if (dropRow) {
          const old = (p - k * cols) * bands + b0;
          for (let t = 0; t < g; t++) {
            const a = X[old + t];
            const b = Y[old + t];
            const i = cBase + t * 5;
            colSum[i] -= a;
            colSum[i + 1] -= b;
            colSum[i + 2] -= a * a;
            colSum[i + 3] -= b * b;
            colSum[i + 4] -= a * b;
          }
        }
      }
      if ((r + 1) % k === 0 && r < blockRows) {
        for (let c = 0; c < cols; c++)
          for (let t = 0; t < g; t++) {
            const i = (c * G + t) * 5;
            const s = (b0 + t) * 5;
            totals[s] += colSum[i];
            totals[s + 1] += colSum[i + 1];
            totals[s + 2] += colSum[i + 2];
            totals[s + 3] += colSum[i + 3];
            totals[s + 4] += colSum[i + 4];
          }
        if (!ssimWindow) colSum.fill(0);
      }
      if (ssimWindow && r >= k - 1) {
        // Slide a k-wide window along the column sums: each position is one SSIM window.
        for (let t = 0; t < g; t++) {
          let sx = 0;
          let sy = 0;
          let sxx = 0;
          let syy = 0;
          let sxy = 0;
          for (let c = 0; c < k - 1; c++) {
            const i = (c * G + t) * 5;
            sx += colSum[i];
            sy += colSum[i + 1];
            sxx += colSum[i + 2];
            syy += colSum[i + 3];
            sxy += colSum[i + 4];
          }
          let total = 0;
          for (let j = 0; j < outCols; j++) {
            const i = ((j + k - 1) * G + t) * 5;
            sx += colSum[i];
            sy += colSum[i + 1];
            sxx += colSum[i + 2];
            syy += colSum[i + 3];
            sxy += colSum[i + 4];
            const ux = sx * inv;
            const uy = sy * inv;
            const vx = covNorm * (sxx * inv - ux * ux);
            const vy = covNorm * (syy * inv - uy * uy);
            const vxy = covNorm * (sxy * inv - ux * uy);
            total +=
              ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
            const o = (j * G + t) * 5;
            sx -= colSum[o];
            sy -= colSum[o + 1];
            sxx -= colSum[o + 2];
            syy -= colSum[o + 3];
            sxy -= colSum[o + 4];
          }
          ssimAcc[t] += total;
        }
      }
    }
    if (ssim) for (let t = 0; t < g; t++) ssim[b0 + t] = ssimAcc[t] / ((rows - k + 1) * outCols);
  }
  const band = new Float64Array(6 * bands);
  for (let b = 0; b < bands; b++) {
    const [sx, sy, sxx, syy, sxy] = totals.subarray(5 * b, 5 * b + 5);
    band.set([sx, sy, sxx, syy, sxy, Math.max(0, sxx + syy - 2 * sxy)], 6 * b);
  }
  return { band, ssim, dot, nx, ny };
}
