import * as tf from '@tensorflow/tfjs';
import type { Cube } from '../cube.js';
import { type BipImage, type CubeLike, cubeToBip, isTensor } from './cube-input.js';
import { HsiConfigError, HsiShapeError, HsiValueError, shapeText } from '../errors.js';
import { percentilesInPlace } from './percentile.js';

/**
 * How to bring a cube to about [0, 1]:
 * - `global-max`: divide every sample by the largest sample.
 * - `per-band`: per band, `min-max` (default) maps [min_b, max_b] to [0, 1]; `max` divides by max_b.
 * - `divide`: divide by a fixed number (e.g. 10000 for reflectance stored as int16, 65535 for CAVE).
 * - `percentile`: clip to the [low, high] percentiles (numpy's linear rule; default 2 and 98),
 *   globally or per band, then map that range to [0, 1].
 */
export type NormalizeSpec =
  | { method: 'global-max' }
  | { method: 'per-band'; mode?: 'min-max' | 'max' }
  | { method: 'divide'; divisor: number }
  | { method: 'percentile'; low?: number; high?: number; perBand?: boolean };

/**
 * What `normalize` did, as plain JSON: normalised = (x - offset) / scale, then clipped to [0, 1]
 * when `clipped`. `offset` and `scale` hold one entry (all bands) or one per band.
 * Save it next to a model's outputs so `denormalize` can bring them back to the data's units.
 */
export interface NormalizationRecord {
  version: 1;
  spec: NormalizeSpec;
  bands: number;
  offset: number[];
  scale: number[];
  clipped: boolean;
}

export interface NormalizeResult<T> {
  data: T;
  record: NormalizationRecord;
}

function checkSpec(spec: NormalizeSpec): void {
  switch (spec?.method) {
    case 'global-max':
      return;
    case 'per-band':
      if (spec.mode !== undefined && spec.mode !== 'min-max' && spec.mode !== 'max')
        throw new HsiConfigError('spec.mode', `must be 'min-max' or 'max', got '${spec.mode}'`);
      return;
    case 'divide':
      if (!(Number.isFinite(spec.divisor) && spec.divisor !== 0))
        throw new HsiConfigError(
          'spec.divisor',
          `must be a finite non-zero number, got ${spec.divisor}`,
        );
      return;
    case 'percentile': {
      const low = spec.low ?? 2;
      const high = spec.high ?? 98;
      if (!(low >= 0 && high <= 100 && low < high))
        throw new HsiConfigError(
          'spec.low/high',
          `need 0 <= low < high <= 100, got ${low} and ${high}`,
        );
      return;
    }
    default:
      throw new HsiConfigError(
        'spec.method',
        `unknown method '${(spec as { method?: string })?.method}' (global-max, per-band, divide, percentile)`,
      );
  }
}

/** Samples a statistic may use: finite and not the cube's no-data value. */
function usable(v: number, noData: number | undefined): boolean {
  return Number.isFinite(v) && v !== noData;
}

/** The band-b samples of a BIP image that statistics may use, as float64. */
function bandSamples(img: BipImage, b: number, noData: number | undefined): Float64Array {
  const { data, bands } = img;
  const n = data.length / bands;
  const out = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i * bands + b];
    if (usable(v, noData)) out[m++] = v;
  }
  return out.subarray(0, m);
}

function allSamples(img: BipImage, noData: number | undefined): Float32Array {
  const out = new Float32Array(img.data.length);
  let m = 0;
  for (const v of img.data) if (usable(v, noData)) out[m++] = v;
  return out.subarray(0, m);
}

function rejectNaN(img: BipImage, noData: number | undefined, what: string): void {
  if (noData !== undefined && Number.isNaN(noData)) return;
  const { data, bands } = img;
  for (let i = 0; i < data.length; i++)
    if (Number.isNaN(data[i]))
      throw new HsiValueError(
        `${what}: sample ${Math.floor(i / bands)} (pixel, row-major), band ${i % bands} is NaN`,
      );
}

/** Min and max per band (or over all bands) of the usable samples. */
function extremes(
  img: BipImage,
  noData: number | undefined,
  perBand: boolean,
): { min: number[]; max: number[] } {
  const k = perBand ? img.bands : 1;
  const min = new Array<number>(k).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(k).fill(Number.NEGATIVE_INFINITY);
  const { data, bands } = img;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!usable(v, noData)) continue;
    const b = perBand ? i % bands : 0;
    if (v < min[b]) min[b] = v;
    if (v > max[b]) max[b] = v;
  }
  for (let b = 0; b < k; b++)
    if (min[b] === Number.POSITIVE_INFINITY)
      throw new HsiValueError(
        `normalize: ${perBand ? `band ${b}` : 'the cube'} has no usable (finite, not no-data) samples`,
      );
  return { min, max };
}

/** Fits the record of `spec` to a BIP image's statistics. */
export function fitNormalization(
  img: BipImage,
  spec: NormalizeSpec,
  noDataValue?: number,
): NormalizationRecord {
  checkSpec(spec);
  rejectNaN(img, noDataValue, 'normalize');
  const base = { version: 1 as const, spec, bands: img.bands };
  // A constant band has no range: keep its scale at 1 so it maps to 0 instead of NaN.
  const range = (lo: number, hi: number) => (hi > lo ? hi - lo : 1);
  switch (spec.method) {
    case 'global-max': {
      const { max } = extremes(img, noDataValue, false);
      if (!(max[0] > 0))
        throw new HsiValueError(`normalize global-max: the largest sample is ${max[0]}, not > 0`);
      return { ...base, offset: [0], scale: [max[0]], clipped: false };
    }
    case 'per-band': {
      const { min, max } = extremes(img, noDataValue, true);
      if ((spec.mode ?? 'min-max') === 'max') {
        const zero = max.findIndex((m) => !(m > 0));
        if (zero >= 0)
          throw new HsiValueError(
            `normalize per-band max: band ${zero} has max ${max[zero]}, not > 0`,
          );
        return { ...base, offset: max.map(() => 0), scale: max, clipped: false };
      }
      return { ...base, offset: min, scale: min.map((lo, b) => range(lo, max[b])), clipped: false };
    }
    case 'divide':
      return { ...base, offset: [0], scale: [spec.divisor], clipped: false };
    case 'percentile': {
      const ps = [spec.low ?? 2, spec.high ?? 98];
      if (spec.perBand) {
        const offset: number[] = [];
        const scale: number[] = [];
        for (let b = 0; b < img.bands; b++) {
          const s = bandSamples(img, b, noDataValue);
          if (s.length === 0) throw new HsiValueError(`normalize: band ${b} has no usable samples`);
          const [lo, hi] = percentilesInPlace(s, ps);
          offset.push(lo);
          scale.push(range(lo, hi));
        }
        return { ...base, offset, scale, clipped: true };
      }
      const s = allSamples(img, noDataValue);
      if (s.length === 0) throw new HsiValueError('normalize: the cube has no usable samples');
      const [lo, hi] = percentilesInPlace(s, ps);
      return { ...base, offset: [lo], scale: [range(lo, hi)], clipped: true };
    }
  }
}

/** Throws unless `record` is a well-formed record for `bands` bands. */
export function checkRecord(record: NormalizationRecord, bands: number): void {
  if (record?.version !== 1)
    throw new HsiConfigError('record.version', `expected 1, got ${record?.version}`);
  const { offset, scale } = record;
  if (!Array.isArray(offset) || !Array.isArray(scale) || offset.length !== scale.length)
    throw new HsiConfigError('record.offset/scale', 'must be arrays of the same length');
  if (offset.length !== 1 && offset.length !== bands)
    throw new HsiShapeError(
      `normalization record has ${offset.length} per-band entries but the data has ${bands} bands`,
    );
  scale.forEach((s, i) => {
    if (!(Number.isFinite(s) && s !== 0))
      throw new HsiConfigError(`record.scale[${i}]`, `must be finite and non-zero, got ${s}`);
  });
  offset.forEach((o, i) => {
    if (!Number.isFinite(o))
      throw new HsiConfigError(`record.offset[${i}]`, `must be finite, got ${o}`);
  });
}

/** Per-band offset and scale arrays of length `bands`. */
function perBand(
  record: NormalizationRecord,
  bands: number,
): { offset: Float64Array; scale: Float64Array } {
  const pick = (a: number[]) =>
    Float64Array.from({ length: bands }, (_, b) => (a.length === 1 ? a[0] : a[b]));
  return { offset: pick(record.offset), scale: pick(record.scale) };
}

function bandsOfTensor(x: tf.Tensor, what: string): number {
  if (x.rank < 3)
    throw new HsiShapeError(
      `${what}: expected [h, w, B] or [n, h, w, B], got ${shapeText(x.shape)}`,
    );
  return x.shape[x.rank - 1];
}

/** The record's per-band offset and scale as `[B]` tensors for `x` (checked against its bands); call inside tf.tidy. */
function perBandTensors(
  x: tf.Tensor,
  record: NormalizationRecord,
  what: string,
): { offset: tf.Tensor1D; scale: tf.Tensor1D } {
  const bands = bandsOfTensor(x, what);
  checkRecord(record, bands);
  const { offset, scale } = perBand(record, bands);
  return {
    offset: tf.tensor1d(Float32Array.from(offset)),
    scale: tf.tensor1d(Float32Array.from(scale)),
  };
}

/** The cube's samples as BIP float32 that the caller may overwrite (a copy, never the cube's own). */
function writableBip(x: Cube, record: NormalizationRecord, what: string): BipImage {
  checkRecord(record, x.bands);
  const img = cubeToBip(x, what);
  return { ...img, data: img.data === x.data ? img.data.slice() : img.data };
}

/** Normalises BIP float32 samples in place (the hot loop shared with the patch dataset). */
export function normalizeBipInPlace(
  data: Float32Array,
  bands: number,
  record: NormalizationRecord,
): void {
  const { offset, scale } = perBand(record, bands);
  const inv = scale.map((s) => 1 / s);
  for (let i = 0, b = 0; i < data.length; i++) {
    let v = (data[i] - offset[b]) * inv[b];
    if (record.clipped) v = Math.min(1, Math.max(0, v));
    data[i] = v;
    if (++b === bands) b = 0;
  }
}

/**
 * Applies an existing record (e.g. the HR cube's, to its LR twin). Cubes come back as BIP
 * float32 cubes with the same metadata (less `scaleFactor`, which the record replaces);
 * tensors (`[h, w, B]` or `[n, h, w, B]`) as new tensors.
 */
export function applyNormalization(x: Cube, record: NormalizationRecord): Cube;
export function applyNormalization<T extends tf.Tensor>(x: T, record: NormalizationRecord): T;
export function applyNormalization(x: CubeLike, record: NormalizationRecord): CubeLike {
  if (isTensor(x))
    return tf.tidy(() => {
      const { offset, scale } = perBandTensors(x, record, 'applyNormalization');
      const y = tf.div(tf.sub(x, offset), scale);
      return record.clipped ? tf.clipByValue(y, 0, 1) : y;
    });
  const { data, bands } = writableBip(x, record, 'applyNormalization');
  normalizeBipInPlace(data, bands, record);
  const { scaleFactor: _dropped, ...meta } = x;
  return { ...meta, interleave: 'bip', data };
}

/**
 * Fits `spec` to the data and applies it: `{data, record}`. Statistics skip the cube's
 * `noDataValue` samples; NaN elsewhere is an error. For a tensor the statistics are taken over
 * all of it (every image of a batch).
 */
export async function normalize(x: Cube, spec: NormalizeSpec): Promise<NormalizeResult<Cube>>;
export async function normalize<T extends tf.Tensor>(
  x: T,
  spec: NormalizeSpec,
): Promise<NormalizeResult<T>>;
export async function normalize(
  x: CubeLike,
  spec: NormalizeSpec,
): Promise<NormalizeResult<CubeLike>> {
  checkSpec(spec);
  if (isTensor(x)) {
    const bands = bandsOfTensor(x, 'normalize');
    const values = await x.data();
    const img: BipImage = {
      rows: values.length / bands,
      cols: 1,
      bands,
      data: values instanceof Float32Array ? values : Float32Array.from(values),
    };
    const record = fitNormalization(img, spec);
    return { data: applyNormalization(x, record), record };
  }
  const record = fitNormalization(cubeToBip(x, 'normalize'), spec, x.noDataValue);
  return { data: applyNormalization(x, record), record };
}

/** Inverse of `normalize`/`applyNormalization` (clipped samples stay at the clip bounds). */
export function denormalize(x: Cube, record: NormalizationRecord): Cube;
export function denormalize<T extends tf.Tensor>(x: T, record: NormalizationRecord): T;
export function denormalize(x: CubeLike, record: NormalizationRecord): CubeLike {
  if (isTensor(x))
    return tf.tidy(() => {
      const { offset, scale } = perBandTensors(x, record, 'denormalize');
      return tf.add(tf.mul(x, scale), offset);
    });
  const { data, bands } = writableBip(x, record, 'denormalize');
  const { offset, scale } = perBand(record, bands);
  for (let i = 0, b = 0; i < data.length; i++) {
    data[i] = data[i] * scale[b] + offset[b];
    if (++b === bands) b = 0;
  }
  return { ...x, interleave: 'bip', data };
}
