// What in a cube is not data: bands flagged bad (ENVI `bbl` = 0) or holding no valid sample (an
// EnMAP band of -32768 throughout), and single samples equal to the no-data value (ENVI `data
// ignore value`, GeoTIFF nodata) or not finite. Such values are never shown as numbers (plots and
// pictures get gaps), never reach the network as numbers (filled first), and come back as no-data
// in the download: the same contract as @hsrkit/inference's file pipeline (docs/ARCHITECTURE.md,
// "Data flow"), on a cube in memory.
import type { BipCube, BipImage } from '@hsrkit/hsi-data';
import { PlaygroundInputError } from './errors.js';

export type BadBandReason = 'bbl' | 'no-data';

export interface CubeMask {
  /** Per band: why it is not data, or null for a good band. */
  badBands: (BadBandReason | null)[];
  /** The good bands, in order. */
  goodBands: number[];
  /** The no-data value as stored in float32 (compared as stored), if the file has one. */
  noDataValue?: number;
  /** No-data (or non-finite) samples in the good bands. */
  missingSamples: number;
}

/** True when `v` is not a value: not finite, or the no-data value (as float32). */
export function isMissing(v: number, noData: number | undefined): boolean {
  return !Number.isFinite(v) || (noData !== undefined && v === noData);
}

/** The `bbl` list of the cube's header (1 good, 0 bad), when it has one per band. */
function bblOf(cube: BipCube): number[] | undefined {
  const raw = cube.metadata?.bbl;
  if (!Array.isArray(raw) || raw.length !== cube.bands) return undefined;
  const flags = raw.map(Number);
  return flags.every((f) => f === 0 || f === 1) ? flags : undefined;
}

export function cubeMask(cube: BipCube): CubeMask {
  const { bands, data } = cube;
  const noData = cube.noDataValue === undefined ? undefined : Math.fround(cube.noDataValue);
  const valid = new Float64Array(bands);
  const missing = new Float64Array(bands);
  for (let i = 0, b = 0; i < data.length; i++) {
    if (isMissing(data[i], noData)) missing[b]++;
    else valid[b]++;
    if (++b === bands) b = 0;
  }
  const bbl = bblOf(cube);
  const badBands = Array.from({ length: bands }, (_, b): BadBandReason | null =>
    bbl?.[b] === 0 ? 'bbl' : valid[b] === 0 ? 'no-data' : null,
  );
  const goodBands = badBands.flatMap((r, b) => (r ? [] : [b]));
  let missingSamples = 0;
  for (const b of goodBands) missingSamples += missing[b];
  return { badBands, goodBands, noDataValue: noData, missingSamples };
}

/**
 * The samples of `img` (the cube, or a result with its no-data restored) with every missing one
 * and every bad band as NaN: for pictures, plots, readouts.
 */
export function displayData(img: BipImage, mask: CubeMask): Float32Array {
  const { bands } = img;
  const out = new Float32Array(img.data);
  for (let i = 0, b = 0; i < out.length; i++) {
    if (mask.badBands[b] || isMissing(out[i], mask.noDataValue)) out[i] = Number.NaN;
    if (++b === bands) b = 0;
  }
  return out;
}

/**
 * The samples as the network gets them: a missing sample of a good band gets its band's mean
 * over valid samples; a bad band gets, pixel by pixel, the straight line between the nearest good
 * bands on each side (the nearest one alone at the ends), so the spectrum stays smooth.
 */
export function networkInput(cube: BipCube, mask: CubeMask): Float32Array {
  const { rows, cols, bands, data } = cube;
  const good = mask.goodBands;
  if (good.length === 0)
    throw new PlaygroundInputError(
      'every band is flagged bad (bbl = 0) or holds only no-data: nothing to super-resolve',
    );
  const sum = new Float64Array(bands);
  const count = new Float64Array(bands);
  for (let i = 0, b = 0; i < data.length; i++) {
    if (!isMissing(data[i], mask.noDataValue)) {
      sum[b] += data[i];
      count[b]++;
    }
    if (++b === bands) b = 0;
  }
  // For each band: the good bands either side (-1 when none).
  const below = new Int32Array(bands).fill(-1);
  const above = new Int32Array(bands).fill(-1);
  for (let b = 0, last = -1; b < bands; b++) {
    if (!mask.badBands[b]) last = b;
    below[b] = last;
  }
  for (let b = bands - 1, next = -1; b >= 0; b--) {
    if (!mask.badBands[b]) next = b;
    above[b] = next;
  }
  const out = new Float32Array(data.length);
  for (let p = 0; p < rows * cols; p++) {
    const o = p * bands;
    for (const b of good) {
      const v = data[o + b];
      out[o + b] = isMissing(v, mask.noDataValue) ? sum[b] / count[b] : v;
    }
    for (let b = 0; b < bands; b++) {
      if (!mask.badBands[b]) continue;
      const lo = below[b];
      const hi = above[b];
      if (lo < 0) out[o + b] = out[o + hi];
      else if (hi < 0) out[o + b] = out[o + lo];
      else out[o + b] = out[o + lo] + ((b - lo) / (hi - lo)) * (out[o + hi] - out[o + lo]);
    }
  }
  return out;
}

/**
 * The x`scale` result with no-data put back: every sample of a bad band, and every sample whose
 * LR parent (row / scale, col / scale, same band) was missing, becomes the no-data value. Without
 * a no-data value nothing can mark them: the result is returned as it is (`bbl` still flags the
 * bad bands in the header).
 */
export function restoreNoData(
  hr: BipImage,
  lr: BipCube,
  mask: CubeMask,
  scale: number,
): Float32Array {
  const noData = mask.noDataValue;
  if (noData === undefined) return hr.data;
  const out = new Float32Array(hr.data);
  const { bands, cols } = lr;
  for (let R = 0; R < hr.rows; R++) {
    const lrRow = Math.floor(R / scale) * cols;
    for (let C = 0; C < hr.cols; C++) {
      const o = (R * hr.cols + C) * bands;
      const lo = (lrRow + Math.floor(C / scale)) * bands;
      for (let b = 0; b < bands; b++)
        if (mask.badBands[b] || isMissing(lr.data[lo + b], noData)) out[o + b] = noData;
    }
  }
  return out;
}

/** The listed bands of a BIP image, in that order. */
export function selectBands(img: BipImage, keep: number[]): BipImage {
  if (keep.length === img.bands && keep.every((b, k) => b === k)) return img;
  const n = img.rows * img.cols;
  const out = new Float32Array(n * keep.length);
  for (let p = 0; p < n; p++)
    for (let k = 0; k < keep.length; k++)
      out[p * keep.length + k] = img.data[p * img.bands + keep[k]];
  return { rows: img.rows, cols: img.cols, bands: keep.length, data: out };
}
