import type { Cube } from '../cube.js';
import { type CubeLike, isTensor, toBipImage } from '../prep/cube-input.js';
import { HsiConfigError, HsiShapeError, HsiValueError } from '../errors.js';
import { percentilesInPlace } from '../prep/percentile.js';

/** An 8-bit RGBA picture, row-major, 4 bytes a pixel (alpha 255). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Per channel (R, G, B) data values mapped to 0 and to 255. */
export interface StretchLimits {
  low: [number, number, number];
  high: [number, number, number];
}

/** Nanometres that stand for red, green and blue by default. */
export const DEFAULT_RGB_NM: [number, number, number] = [640, 550, 460];

export interface BandChoice {
  /** Band indices for R, G, B. */
  bands?: [number, number, number];
  /** Target wavelengths for R, G, B in nanometres (default 640/550/460 when the cube has wavelengths). */
  wavelengthsNm?: [number, number, number];
}

/**
 * Band indices for R, G, B: explicit `bands`; else the bands nearest `wavelengthsNm` (default
 * 640/550/460 nm; wavelengths in micrometres are recognised by their unit or by all being below
 * 100); else, with no wavelengths, the bands at 80 %, 50 % and 20 % of the band range.
 */
export function pickRgbBands(
  meta: Pick<Cube, 'bands' | 'wavelengths' | 'wavelengthUnits'>,
  choice: BandChoice = {},
): [number, number, number] {
  const { bands } = meta;
  if (choice.bands) {
    choice.bands.forEach((b, i) => {
      if (!Number.isInteger(b) || b < 0 || b >= bands)
        throw new HsiConfigError(`bands[${i}]`, `band ${b} is outside 0..${bands - 1}`);
    });
    if (choice.bands.length !== 3)
      throw new HsiConfigError('bands', `need 3 band indices, got ${choice.bands.length}`);
    return [choice.bands[0], choice.bands[1], choice.bands[2]];
  }
  const wl = meta.wavelengths;
  if (wl && wl.length > 0) {
    if (wl.length !== bands)
      throw new HsiShapeError(`pickRgbBands: ${wl.length} wavelengths for ${bands} bands`);
    const unit = (meta.wavelengthUnits ?? '').toLowerCase();
    const micro =
      /micro|^um$|^µm$/.test(unit) || (!/nano|^nm$/.test(unit) && Math.max(...wl) < 100);
    const factor = micro ? 1000 : 1;
    const targets = choice.wavelengthsNm ?? DEFAULT_RGB_NM;
    return targets.map((t) => {
      let best = 0;
      for (let b = 1; b < bands; b++)
        if (Math.abs(wl[b] * factor - t) < Math.abs(wl[best] * factor - t)) best = b;
      return best;
    }) as [number, number, number];
  }
  if (choice.wavelengthsNm)
    throw new HsiConfigError('wavelengthsNm', 'the cube has no wavelengths; give band indices');
  const at = (f: number) => Math.round(f * (bands - 1));
  return [at(0.8), at(0.5), at(0.2)];
}

export interface FalseColorOptions extends BandChoice {
  /** Robust stretch percentiles per channel (default [2, 98]). */
  percentiles?: [number, number];
  /** Use these limits instead of computing them (to render LR / SR / GT with the same stretch). */
  stretch?: StretchLimits;
  /** Display gamma applied after the stretch (default 1). */
  gamma?: number;
  /** Wavelengths of a tensor's bands (Cubes carry their own). */
  wavelengths?: number[];
}

export interface FalseColorResult {
  image: RgbImage;
  bands: [number, number, number];
  stretch: StretchLimits;
}

/**
 * A false-colour picture of a cube or `[h, w, B]` tensor: three bands, each stretched so its
 * low..high percentiles span 0..255 (clipped), optionally gamma-corrected.
 */
export async function falseColor(
  x: CubeLike,
  opts: FalseColorOptions = {},
): Promise<FalseColorResult> {
  const img = await toBipImage(x, 'falseColor');
  const meta = isTensor(x)
    ? { bands: img.bands, wavelengths: opts.wavelengths }
    : { bands: x.bands, wavelengths: x.wavelengths, wavelengthUnits: x.wavelengthUnits };
  const bands = pickRgbBands(meta, opts);
  const [pLow, pHigh] = opts.percentiles ?? [2, 98];
  if (!(pLow >= 0 && pHigh <= 100 && pLow < pHigh))
    throw new HsiConfigError('percentiles', `need 0 <= low < high <= 100, got [${pLow}, ${pHigh}]`);
  const gamma = opts.gamma ?? 1;
  if (!(gamma > 0)) throw new HsiConfigError('gamma', `must be > 0, got ${gamma}`);
  const { rows, cols, bands: nb, data } = img;
  const n = rows * cols;
  const channels = bands.map((b) => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = data[i * nb + b];
    return v;
  });
  let stretch = opts.stretch;
  if (!stretch) {
    const low: number[] = [];
    const high: number[] = [];
    channels.forEach((v, c) => {
      const finite = v.filter(Number.isFinite);
      if (finite.length === 0)
        throw new HsiValueError(`falseColor: band ${bands[c]} has no finite samples`);
      const [lo, hi] = percentilesInPlace(finite, [pLow, pHigh]);
      low.push(lo);
      high.push(hi);
    });
    stretch = { low: low as StretchLimits['low'], high: high as StretchLimits['high'] };
  }
  const out = new Uint8Array(n * 4);
  for (let c = 0; c < 3; c++) {
    const v = channels[c];
    const lo = stretch.low[c];
    const span = stretch.high[c] - lo;
    // A flat channel (span 0) renders mid-grey rather than dividing by zero.
    const inv = span > 0 ? 1 / span : 0;
    for (let i = 0; i < n; i++) {
      let t = span > 0 ? (v[i] - lo) * inv : 0.5;
      t = t > 0 ? Math.min(t, 1) : 0; // NaN lands on 0
      if (gamma !== 1) t = t ** (1 / gamma);
      out[i * 4 + c] = Math.round(t * 255);
    }
  }
  for (let i = 0; i < n; i++) out[i * 4 + 3] = 255;
  return { image: { width: cols, height: rows, data: out }, bands, stretch };
}
