import {
  type BipImage,
  type CubeLike,
  checkFinite,
  checkSameShape,
  toBipImage,
} from '../prep/cube-input.js';
import { HsiConfigError, HsiValueError } from '../errors.js';
import { type MetricPreset, type PresetRules, presetRules } from './presets.js';
import { fusedPairPass } from './fused-pass.js';
import { METRIC_NAMES, type MetricName } from './metric-names.js';
import { maskedMeanSsim, noDataPixels, PIXEL_METRICS, validPixels } from './no-data-metrics.js';
import { pixelSpectralAngle } from './spectral-angle-map.js';
import { checkSsimWindow, SsimPlanes, type SsimWindow } from './ssim.js';

export interface MetricOptions {
  /** Which convention (default `sspsr`). */
  preset?: MetricPreset;
  /** Resolution ratio `s` in ERGAS's `100 / s` (default 1: give the SR scale to compare with papers). */
  scale?: number;
  /** Peak value for PSNR and SSIM's constants (default 1, for data scaled to [0, 1]). */
  dataRange?: number;
  /** Overrides the preset's SSIM window. */
  ssimWindow?: SsimWindow;
  /**
   * Samples equal to this are no-data: pixels where either image holds it in any band are not
   * scored (SSIM skips the windows touching them). Default: the ground truth cube's `noDataValue`.
   */
  noDataValue?: number;
}

export interface MetricReport extends Record<MetricName, number> {
  /** PSNR in dB: per-band mean (`sspsr`) or whole-cube (`mcnet`). */
  mpsnr: number;
  /** Mean over bands of the mean SSIM over valid windows. */
  mssim: number;
  /** Mean spectral angle, degrees. */
  sam: number;
  /** (100 / s) * sqrt(mean_b(MSE_b / mean_b^2)), mean_b the ground truth's band mean (Infinity if one is 0). */
  ergas: number;
  /** Mean over bands of Pearson's correlation (bands where either image is constant are skipped). */
  cc: number;
  /** Root mean squared error over every sample. */
  rmse: number;
  preset: MetricPreset;
  scale: number;
  dataRange: number;
}

/** Bands gathered from BIP at once: each pixel's run of this many bands is one cache line or two. */
const BAND_GROUP = 16;

function resolve(opts: MetricOptions): {
  rules: PresetRules;
  scale: number;
  dataRange: number;
  preset: MetricPreset;
} {
  const preset = opts.preset ?? 'sspsr';
  const base = presetRules(preset);
  const scale = opts.scale ?? 1;
  const dataRange = opts.dataRange ?? 1;
  if (!(scale > 0)) throw new HsiConfigError('scale', `must be > 0, got ${scale}`);
  if (!(dataRange > 0)) throw new HsiConfigError('dataRange', `must be > 0, got ${dataRange}`);
  return { rules: { ...base, ssim: opts.ssimWindow ?? base.ssim }, scale, dataRange, preset };
}

/** Mean SSIM per band with a window the fused pass does not run (Gaussian): band planes copied out. */
function planarSsim(
  gt: BipImage,
  pred: BipImage,
  window: SsimWindow,
  dataRange: number,
): Float64Array {
  const { rows, cols, bands } = gt;
  const n = rows * cols;
  const ssim = new SsimPlanes(rows, cols, window, dataRange);
  const out = new Float64Array(bands);
  const group = Math.min(BAND_GROUP, bands);
  const gPlanes = new Float32Array(group * n);
  const pPlanes = new Float32Array(group * n);
  const g = gt.data;
  const p = pred.data;
  for (let b0 = 0; b0 < bands; b0 += group) {
    const nb = Math.min(group, bands - b0);
    for (let i = 0; i < n; i++) {
      const src = i * bands + b0;
      for (let t = 0; t < nb; t++) {
        gPlanes[t * n + i] = g[src + t];
        pPlanes[t * n + i] = p[src + t];
      }
    }
    for (let t = 0; t < nb; t++)
      out[b0 + t] = ssim.band(
        gPlanes.subarray(t * n, (t + 1) * n),
        pPlanes.subarray(t * n, (t + 1) * n),
      );
  }
  return out;
}

/**
 * All six metrics of a ground truth / prediction pair given as BIP float32 images (synchronous,
 * plain typed-array JS with float64 sums). `which` limits the work (SSIM is the costly one).
 */
export function metricsOfImages(
  gt: BipImage,
  pred: BipImage,
  opts: MetricOptions = {},
  which: readonly MetricName[] = METRIC_NAMES,
): MetricReport {
  checkSameShape(gt, pred, 'metrics');
  const { rules, scale, dataRange, preset } = resolve(opts);
  const { rows, cols, bands } = gt;
  const n = rows * cols;
  const wantSsim = which.includes('mssim');
  const fusedSsim = wantSsim && rules.ssim.kind === 'uniform';
  if (wantSsim) checkSsimWindow(rules.ssim);
  const sums = fusedPairPass(gt, pred, fusedSsim ? rules.ssim : undefined, dataRange);
  const ssimPerBand = fusedSsim
    ? sums.ssim!
    : wantSsim
      ? planarSsim(gt, pred, rules.ssim, dataRange)
      : undefined;

  let psnrSum = 0;
  let sqErrTotal = 0;
  let ergasSum = 0;
  let ccSum = 0;
  let ccBands = 0;
  const s = sums.band;
  for (let b = 0; b < bands; b++) {
    const [sx, sy, sxx, syy, sxy, sd2] = s.subarray(6 * b, 6 * b + 6);
    const mse = sd2 / n;
    sqErrTotal += sd2;
    psnrSum += 10 * Math.log10((dataRange * dataRange) / mse);
    const meanX = sx / n;
    ergasSum += mse / (meanX * meanX);
    const cov = sxy - (sx * sy) / n;
    const vx = sxx - (sx * sx) / n;
    const vy = syy - (sy * sy) / n;
    // A constant band has no correlation; rounding can leave a tiny variance, hence the relative test.
    if (vx > 1e-12 * sxx && vy > 1e-12 * syy) {
      ccSum += cov / Math.sqrt(vx * vy);
      ccBands++;
    }
  }
  // NaN and infinities poison the sums; only then look for where they are (a pass saved otherwise).
  if (!Number.isFinite(sqErrTotal) || !Number.isFinite(s[0])) {
    checkFinite(gt, 'metrics: ground truth');
    checkFinite(pred, 'metrics: prediction');
  }

  let sam = Number.NaN;
  if (which.includes('sam')) {
    if (rules.sam === 'non-zero') {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const denom = Math.sqrt(sums.nx[i]) * Math.sqrt(sums.ny[i]);
        if (!(denom > 0)) continue;
        sum += Math.acos(Math.min(1, Math.max(-1, sums.dot[i] / denom)));
        count++;
      }
      sam = count > 0 ? ((sum / count) * 180) / Math.PI : Number.NaN;
    } else {
      sam = spectralAngleOfImages(gt, pred, 'eps');
    }
  }

  const total = n * bands;
  const mpsnr =
    rules.psnr === 'per-band'
      ? psnrSum / bands
      : 10 * Math.log10((dataRange * dataRange) / (sqErrTotal / total));
  return {
    mpsnr,
    mssim: ssimPerBand ? ssimPerBand.reduce((a, v) => a + v, 0) / bands : Number.NaN,
    sam,
    ergas: (100 / scale) * Math.sqrt(ergasSum / bands),
    cc: ccBands > 0 ? ccSum / ccBands : Number.NaN,
    rmse: Math.sqrt(sqErrTotal / total),
    preset,
    scale,
    dataRange,
  };
}

/** Mean spectral angle in degrees under the given rule (see PresetRules.sam). */
export function spectralAngleOfImages(
  gt: BipImage,
  pred: BipImage,
  rule: 'non-zero' | 'eps' = 'non-zero',
): number {
  checkSameShape(gt, pred, 'spectral angle');
  const n = gt.rows * gt.cols;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const angle = pixelSpectralAngle(gt.data, pred.data, i, gt.bands, rule);
    if (Number.isNaN(angle)) continue;
    sum += angle;
    count++;
  }
  return count > 0 ? ((sum / count) * 180) / Math.PI : Number.NaN;
}

async function pair(gt: CubeLike, pred: CubeLike): Promise<[BipImage, BipImage]> {
  return [
    await toBipImage(gt, 'metrics: ground truth'),
    await toBipImage(pred, 'metrics: prediction'),
  ];
}

/**
 * MPSNR, MSSIM, SAM (degrees), ERGAS, CC and RMSE of a prediction against its ground truth, both
 * `[h, w, B]` tensors (or `[1, h, w, B]`) or Cubes, under a named preset. Tensors are read, not disposed.
 */
export async function computeMetrics(
  gt: CubeLike,
  pred: CubeLike,
  opts: MetricOptions = {},
): Promise<MetricReport> {
  const [a, b] = await pair(gt, pred);
  const noData = opts.noDataValue ?? (isTensorLike(gt) ? undefined : gt.noDataValue);
  if (noData === undefined) return metricsOfImages(a, b, opts);
  checkSameShape(a, b, 'metrics');
  const masked = noDataPixels(a, b, noData);
  let count = 0;
  for (const m of masked) count += 1 - m;
  if (count === masked.length) return metricsOfImages(a, b, opts);
  if (count === 0)
    throw new HsiValueError('every pixel is no-data: nothing to score', { field: 'noDataValue' });
  // Pixel metrics on the valid pixels, SSIM on the full grid without windows touching no-data.
  const report = metricsOfImages(
    validPixels(a, masked, count),
    validPixels(b, masked, count),
    opts,
    PIXEL_METRICS,
  );
  const { rules, dataRange } = resolve(opts);
  checkSsimWindow(rules.ssim);
  return { ...report, mssim: maskedMeanSsim(a, b, masked, rules.ssim, dataRange) };
}

function isTensorLike(x: CubeLike): x is Exclude<CubeLike, { data: unknown; rows: number }> {
  return !('rows' in (x as object) && 'interleave' in (x as object));
}

async function one(
  gt: CubeLike,
  pred: CubeLike,
  opts: MetricOptions,
  name: MetricName,
): Promise<number> {
  const [a, b] = await pair(gt, pred);
  return metricsOfImages(a, b, opts, [name])[name];
}

/** PSNR in dB under the preset's rule (per-band mean for `sspsr`, whole-cube for `mcnet`). */
export const mpsnr = (gt: CubeLike, pred: CubeLike, opts: MetricOptions = {}) =>
  one(gt, pred, opts, 'mpsnr');
/** Mean SSIM over bands (preset window; see SsimWindow). */
export const mssim = (gt: CubeLike, pred: CubeLike, opts: MetricOptions = {}) =>
  one(gt, pred, opts, 'mssim');
/** Mean spectral angle in degrees under the preset's zero-spectrum rule. */
export const sam = (gt: CubeLike, pred: CubeLike, opts: MetricOptions = {}) =>
  one(gt, pred, opts, 'sam');
export const spectralAngle = sam;
/** ERGAS with `opts.scale` as the resolution ratio. */
export const ergas = (gt: CubeLike, pred: CubeLike, opts: MetricOptions = {}) =>
  one(gt, pred, opts, 'ergas');
/** Mean per-band Pearson correlation. */
export const cc = (gt: CubeLike, pred: CubeLike, opts: MetricOptions = {}) =>
  one(gt, pred, opts, 'cc');
/** Whole-cube root mean squared error. */
export const rmse = (gt: CubeLike, pred: CubeLike, opts: MetricOptions = {}) =>
  one(gt, pred, opts, 'rmse');
