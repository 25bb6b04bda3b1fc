// Per-pixel spectral angles: the map behind SAM's mean, for pictures of where a model bends spectra
// (e.g. packages/lkca-net/scripts/figure-any-band.ts) and for scoring parts of a scene.
import { type CubeLike, checkSameShape, toBipImage } from '../prep/cube-input.js';
import { noDataPixels } from './no-data-metrics.js';
import { type MetricPreset, presetRules } from './presets.js';

const MCNET_EPS = 2.2204e-16;

/**
 * Angle in radians between the spectra of pixel `i` (BIP, `bands` samples each) of `g` and `p`.
 * `non-zero` (sspsr): NaN where either spectrum is all zeros (the pixel is not scored).
 * `eps` (MCNet's eval.py): zero samples replaced by 2.2204e-16, a NaN angle counted as 0.
 */
export function pixelSpectralAngle(
  g: Float32Array,
  p: Float32Array,
  i: number,
  bands: number,
  rule: 'non-zero' | 'eps',
): number {
  const base = i * bands;
  let dot = 0;
  let nx = 0;
  let ny = 0;
  if (rule === 'non-zero') {
    for (let b = 0; b < bands; b++) {
      const a = g[base + b];
      const c = p[base + b];
      dot += a * c;
      nx += a * a;
      ny += c * c;
    }
    const denom = Math.sqrt(nx) * Math.sqrt(ny);
    if (!(denom > 0)) return Number.NaN;
    return Math.acos(Math.min(1, Math.max(-1, dot / denom)));
  }
  for (let b = 0; b < bands; b++) {
    const a = g[base + b] === 0 ? MCNET_EPS : g[base + b];
    const c = p[base + b] === 0 ? MCNET_EPS : p[base + b];
    dot += a * c;
    nx += a * a;
    ny += c * c;
  }
  const angle = Math.acos(dot / (Math.sqrt(nx) * Math.sqrt(ny) + MCNET_EPS));
  return Number.isNaN(angle) ? 0 : angle;
}

export interface SpectralAngleMapOptions {
  /** Zero-spectrum rule of this preset's SAM (default `sspsr`: such pixels are NaN in the map). */
  preset?: MetricPreset;
  /** Pixels holding this in any band (either image) are NaN. Default: the ground truth's `noDataValue`. */
  noDataValue?: number;
}

export interface SpectralAngleMap {
  rows: number;
  cols: number;
  /** Row-major angles in degrees; NaN where the pixel is not scored (no-data, or a zero spectrum). */
  data: Float32Array;
  /** Mean over the scored pixels: the SAM `computeMetrics` reports for the same pair and options. */
  mean: number;
}

/**
 * Each pixel's spectral angle (degrees) between a prediction and its ground truth, `[h, w, B]`
 * tensors (or `[1, h, w, B]`) or Cubes. Tensors are read, not disposed.
 */
export async function spectralAngleMap(
  gt: CubeLike,
  pred: CubeLike,
  opts: SpectralAngleMapOptions = {},
): Promise<SpectralAngleMap> {
  const preset = opts.preset ?? 'sspsr';
  const rules = presetRules(preset);
  const a = await toBipImage(gt, 'spectral angle map: ground truth');
  const b = await toBipImage(pred, 'spectral angle map: prediction');
  checkSameShape(a, b, 'spectral angle map');
  const noData = opts.noDataValue ?? ('interleave' in gt ? gt.noDataValue : undefined);
  const masked = noData === undefined ? undefined : noDataPixels(a, b, noData);
  const n = a.rows * a.cols;
  const data = new Float32Array(n);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (masked?.[i]) {
      data[i] = Number.NaN;
      continue;
    }
    const rad = pixelSpectralAngle(a.data, b.data, i, a.bands, rules.sam);
    data[i] = (rad * 180) / Math.PI;
    if (Number.isNaN(rad)) continue;
    sum += rad;
    count++;
  }
  return {
    rows: a.rows,
    cols: a.cols,
    data,
    mean: count > 0 ? ((sum / count) * 180) / Math.PI : Number.NaN,
  };
}
