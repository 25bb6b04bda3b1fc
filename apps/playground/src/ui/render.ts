// Pictures of a cube for the viewer: three bands as false colour or one band in grey, stretched
// between percentiles of the valid samples or between given values, no-data (NaN) left
// transparent so the page's checkerboard shows through; and error maps (per-pixel RMS of a
// difference over the good bands) in a heat scale.
import { percentiles, type RgbImage } from '@hsrkit/hsi-data';
import type { BipData } from '../worker-protocol.js';

export type Stretch =
  | { kind: 'percentile'; low: number; high: number }
  | { kind: 'range'; min: number; max: number };

export type Display =
  | { mode: 'rgb'; bands: [number, number, number] }
  | { mode: 'grey'; band: number };

/** Data values mapped to 0 and to 255, one pair per channel drawn. */
export interface Limits {
  low: number[];
  high: number[];
}

export const DEFAULT_STRETCH: Stretch = { kind: 'percentile', low: 2, high: 98 };

export const displayBands = (d: Display): number[] => (d.mode === 'rgb' ? d.bands : [d.band]);

function channel(img: BipData, band: number): Float32Array {
  const n = img.rows * img.cols;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = img.data[i * img.bands + band];
  return out;
}

/** The limits `stretch` gives for the bands of `display` in `img` (NaN samples ignored). */
export function stretchLimits(img: BipData, display: Display, stretch: Stretch): Limits {
  const low: number[] = [];
  const high: number[] = [];
  for (const b of displayBands(display)) {
    if (stretch.kind === 'range') {
      low.push(stretch.min);
      high.push(stretch.max);
      continue;
    }
    const valid = channel(img, b).filter(Number.isFinite);
    if (valid.length === 0) {
      low.push(0);
      high.push(1);
      continue;
    }
    const [lo, hi] = percentiles(valid, [stretch.low, stretch.high]);
    low.push(lo);
    high.push(hi);
  }
  return { low, high };
}

/** The picture of `img` (BIP, NaN = no-data) as `display` says, with `limits`. */
export function renderImage(img: BipData, display: Display, limits: Limits): RgbImage {
  const n = img.rows * img.cols;
  const out = new Uint8Array(n * 4);
  const bands = displayBands(display);
  const chans = bands.map((b) => channel(img, b));
  for (let i = 0; i < n; i++) {
    let missing = false;
    const t = chans.map((v, c) => {
      const x = v[i];
      if (!Number.isFinite(x)) missing = true;
      const span = limits.high[c] - limits.low[c];
      const s = span > 0 ? (x - limits.low[c]) / span : 0.5;
      return Math.round(Math.min(1, Math.max(0, s)) * 255);
    });
    if (missing) continue; // transparent
    out[i * 4] = t[0];
    out[i * 4 + 1] = t[chans.length === 3 ? 1 : 0];
    out[i * 4 + 2] = t[chans.length === 3 ? 2 : 0];
    out[i * 4 + 3] = 255;
  }
  return { width: img.cols, height: img.rows, data: out };
}

/**
 * Per pixel, the RMS over `bands` of `a - b` (NaN where either is NaN in any of them): how far
 * apart two reconstructions (or one and the ground truth) are, pixel by pixel.
 */
export function errorMap(a: BipData, b: BipData, bands: number[]): Float32Array {
  const n = a.rows * a.cols;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let sum = 0;
    for (const k of bands) {
      const d = a.data[p * a.bands + k] - b.data[p * b.bands + k];
      sum += d * d;
    }
    out[p] = Math.sqrt(sum / bands.length);
  }
  return out;
}

/** Black, red, yellow, white: a heat scale for 0..1. */
function heat(t: number): [number, number, number] {
  const r = Math.min(1, t * 3);
  const g = Math.min(1, Math.max(0, t * 3 - 1));
  const b = Math.min(1, Math.max(0, t * 3 - 2));
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** An error map as a picture: 0 black, `max` and above white; NaN transparent. */
export function renderHeat(
  values: Float32Array,
  rows: number,
  cols: number,
  max: number,
): RgbImage {
  const out = new Uint8Array(rows * cols * 4);
  for (let i = 0; i < rows * cols; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const [r, g, b] = heat(max > 0 ? Math.min(1, v / max) : 0);
    out.set([r, g, b, 255], i * 4);
  }
  return { width: cols, height: rows, data: out };
}

/** The 99th percentile of the finite values (a heat scale's top that one hot pixel does not set). */
export function robustMax(...maps: Float32Array[]): number {
  const all = new Float32Array(maps.reduce((n, m) => n + m.length, 0));
  let o = 0;
  for (const m of maps) {
    all.set(m, o);
    o += m.length;
  }
  const valid = all.filter(Number.isFinite);
  return valid.length ? percentiles(valid, [99])[0] : 1;
}
