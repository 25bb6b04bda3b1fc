import { HsiConfigError, HsiShapeError } from '../errors.js';

/**
 * How SSIM is windowed. `uniform` is scikit-image's default (`win_size` 7, sample covariance);
 * `gaussian` is Wang et al.'s MATLAB `ssim_index` (11 x 11, sigma 1.5, population covariance).
 * Either way SSIM is averaged over the windows that lie fully inside the image, which is what
 * scikit-image's crop of `(win_size - 1) / 2` at the border and MATLAB's `'valid'` filtering give.
 */
export interface SsimWindow {
  kind: 'uniform' | 'gaussian';
  /** Window side (odd). */
  size: number;
  /** Gaussian sigma (gaussian only). */
  sigma?: number;
  /** Divide variances by n - 1 (scikit-image `use_sample_covariance`) rather than n. */
  sampleCovariance: boolean;
  k1?: number;
  k2?: number;
}

export const SSIM_UNIFORM_7: SsimWindow = { kind: 'uniform', size: 7, sampleCovariance: true };
export const SSIM_GAUSSIAN_11: SsimWindow = {
  kind: 'gaussian',
  size: 11,
  sigma: 1.5,
  sampleCovariance: false,
};

export function checkSsimWindow(w: SsimWindow): void {
  if (!Number.isInteger(w.size) || w.size < 1 || w.size % 2 === 0)
    throw new HsiConfigError(
      'ssim.size',
      `window side must be an odd positive integer, got ${w.size}`,
    );
  if (w.kind === 'gaussian' && !((w.sigma ?? 0) > 0))
    throw new HsiConfigError('ssim.sigma', `a gaussian window needs sigma > 0, got ${w.sigma}`);
}

/** Normalised 1-D window weights (the 2-D window is their outer product). */
function windowWeights(w: SsimWindow): Float64Array {
  const out = new Float64Array(w.size);
  const r = (w.size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < w.size; i++) {
    const x = i - r;
    out[i] = w.kind === 'uniform' ? 1 : Math.exp((-0.5 * x * x) / (w.sigma! * w.sigma!));
    sum += out[i];
  }
  for (let i = 0; i < w.size; i++) out[i] /= sum;
  return out;
}

/**
 * Computes mean SSIM of band planes, reusing its scratch buffers across bands. Planes are
 * row-major `rows x cols` float32 views; sums are float64. One pass per band: each image row's
 * horizontal window sums go into a ring of the last `size` rows (small enough to stay in cache),
 * and every finished output row is scored at once.
 */
export class SsimPlanes {
  private readonly outCols: number;
  private readonly outRows: number;
  /** Ring of horizontal sums of x, y, xx, yy, xy: slot (r mod size) holds image row r. */
  private readonly ring: Float64Array[];
  /** Running vertical sums (uniform window). */
  private readonly acc: Float64Array[];
  private readonly weights: Float64Array;
  private readonly c1: number;
  private readonly c2: number;
  private readonly covNorm: number;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly window: SsimWindow,
    readonly dataRange: number,
  ) {
    checkSsimWindow(window);
    if (rows < window.size || cols < window.size)
      throw new HsiShapeError(
        `SSIM: image ${rows} x ${cols} is smaller than the ${window.size} x ${window.size} window`,
      );
    const k = window.size;
    this.outCols = cols - k + 1;
    this.outRows = rows - k + 1;
    this.ring = Array.from({ length: 5 }, () => new Float64Array(k * this.outCols));
    this.acc = Array.from({ length: 5 }, () => new Float64Array(this.outCols));
    this.weights = windowWeights(window);
    this.c1 = ((window.k1 ?? 0.01) * dataRange) ** 2;
    this.c2 = ((window.k2 ?? 0.03) * dataRange) ** 2;
    const n = k * k;
    this.covNorm = window.sampleCovariance ? n / (n - 1) : 1;
  }

  /**
   * Mean SSIM over the valid windows of one band: `x` ground truth, `y` prediction. With
   * `usable` (1 per output window, row-major, `(rows - k + 1) x (cols - k + 1)`), only windows
   * marked 1 count (those touching no-data are skipped); NaN when none is left.
   */
  band(x: Float32Array, y: Float32Array, usable?: Uint8Array): number {
    const k = this.window.size;
    let total = 0;
    const rowOf = (r: number) =>
      usable?.subarray((r - k + 1) * this.outCols, (r - k + 2) * this.outCols);
    for (const a of this.acc) a.fill(0);
    for (const h of this.ring) h.fill(0);
    for (let r = 0; r < this.rows; r++) {
      const slot = (r % k) * this.outCols;
      if (this.window.kind === 'uniform') {
        this.boxRow(x, y, r, slot);
        if (r >= k - 1) total += this.scoreBoxRow(rowOf(r));
      } else {
        this.weightedRow(x, y, r, slot);
        if (r >= k - 1) total += this.scoreWeightedRow(r, rowOf(r));
      }
    }
    let count = this.outRows * this.outCols;
    if (usable) {
      count = 0;
      for (const u of usable) count += u;
    }
    return count > 0 ? total / count : Number.NaN;
  }

  /** Horizontal box sums of image row r into the ring slot, moving the vertical sums along. */
  private boxRow(x: Float32Array, y: Float32Array, r: number, slot: number): void {
    const { cols } = this;
    const k = this.window.size;
    const [hx, hy, hxx, hyy, hxy] = this.ring;
    const [ax, ay, axx, ayy, axy] = this.acc;
    const row = r * cols;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let c = 0; c < cols; c++) {
      const a = x[row + c];
      const b = y[row + c];
      sx += a;
      sy += b;
      sxx += a * a;
      syy += b * b;
      sxy += a * b;
      if (c >= k) {
        const a0 = x[row + c - k];
        const b0 = y[row + c - k];
        sx -= a0;
        sy -= b0;
        sxx -= a0 * a0;
        syy -= b0 * b0;
        sxy -= a0 * b0;
      }
      if (c >= k - 1) {
        // The slot still holds row r - k: swap it out of the vertical sums as row r comes in.
        const j = c - k + 1;
        const i = slot + j;
        ax[j] += sx - hx[i];
        ay[j] += sy - hy[i];
        axx[j] += sxx - hxx[i];
        ayy[j] += syy - hyy[i];
        axy[j] += sxy - hxy[i];
        hx[i] = sx;
        hy[i] = sy;
        hxx[i] = sxx;
        hyy[i] = syy;
        hxy[i] = sxy;
      }
    }
  }

  private scoreBoxRow(usable?: Uint8Array): number {
    const k = this.window.size;
    const inv = 1 / (k * k);
    const { c1, c2, covNorm } = this;
    const [ax, ay, axx, ayy, axy] = this.acc;
    let s = 0;
    for (let j = 0; j < this.outCols; j++) {
      if (usable && !usable[j]) continue;
      const ux = ax[j] * inv;
      const uy = ay[j] * inv;
      const vx = covNorm * (axx[j] * inv - ux * ux);
      const vy = covNorm * (ayy[j] * inv - uy * uy);
      const vxy = covNorm * (axy[j] * inv - ux * uy);
      s += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
    return s;
  }

  private weightedRow(x: Float32Array, y: Float32Array, r: number, slot: number): void {
    const { cols, outCols, weights } = this;
    const k = this.window.size;
    const [hx, hy, hxx, hyy, hxy] = this.ring;
    const row = r * cols;
    for (let j = 0; j < outCols; j++) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let t = 0; t < k; t++) {
        const w = weights[t];
        const a = x[row + j + t];
        const b = y[row + j + t];
        const wa = w * a;
        const wb = w * b;
        sx += wa;
        sy += wb;
        sxx += wa * a;
        syy += wb * b;
        sxy += wa * b;
      }
      const i = slot + j;
      hx[i] = sx;
      hy[i] = sy;
      hxx[i] = sxx;
      hyy[i] = syy;
      hxy[i] = sxy;
    }
  }

  /** Scores the output row whose window ends at image row r (ring holds rows r-k+1..r). */
  private scoreWeightedRow(r: number, usable?: Uint8Array): number {
    const { outCols, weights, c1, c2, covNorm } = this;
    const k = this.window.size;
    const [hx, hy, hxx, hyy, hxy] = this.ring;
    const [mx, my, mxx, myy, mxy] = this.acc;
    mx.fill(0);
    my.fill(0);
    mxx.fill(0);
    myy.fill(0);
    mxy.fill(0);
    for (let t = 0; t < k; t++) {
      const w = weights[t];
      const off = ((r - k + 1 + t) % k) * outCols;
      for (let j = 0; j < outCols; j++) {
        const i = off + j;
        mx[j] += w * hx[i];
        my[j] += w * hy[i];
        mxx[j] += w * hxx[i];
        myy[j] += w * hyy[i];
        mxy[j] += w * hxy[i];
      }
    }
    let s = 0;
    for (let j = 0; j < outCols; j++) {
      if (usable && !usable[j]) continue;
      const ux = mx[j];
      const uy = my[j];
      const vx = covNorm * (mxx[j] - ux * ux);
      const vy = covNorm * (myy[j] - uy * uy);
      const vxy = covNorm * (mxy[j] - ux * uy);
      s += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
    return s;
  }
}
