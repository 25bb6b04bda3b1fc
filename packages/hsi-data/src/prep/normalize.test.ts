import { describeBackends, maxAbsDiff, maxRelDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bipCube, metricFixtureMeta, sceneCube } from '../../test/metric-fixtures.js';
import type { Cube } from '../cube.js';
import { HsiConfigError, HsiShapeError, HsiValueError } from '../errors.js';
import {
  applyNormalization,
  denormalize,
  type NormalizationRecord,
  normalize,
} from './normalize.js';
import { percentiles } from './percentile.js';

function load(name: string) {
  const meta = metricFixtureMeta(name);
  const cube = sceneCube(name, undefined, { wavelengths: [...Array(meta.shape[2]).keys()] });
  return { meta, cube };
}
const jasper = load('jasper');
const urban = load('urban');

/** Sorted-array percentile (numpy's linear rule), the slow obvious way. */
function sortedPercentile(values: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(values).sort();
  const pos = (p / 100) * (s.length - 1);
  const k = Math.floor(pos);
  return k + 1 < s.length ? s[k] + (pos - k) * (s[k + 1] - s[k]) : s[k];
}

describe('percentiles', () => {
  it('match numpy.percentile on a real crop, globally and per band', () => {
    const { meta, cube } = jasper;
    const [p2, p98] = percentiles(cube.data, [2, 98]);
    expect(p2).toBeCloseTo(meta.percentiles.global.p2, 12);
    expect(p98).toBeCloseTo(meta.percentiles.global.p98, 12);
    for (const b of [0, 17, 49]) {
      const band = Float64Array.from(
        { length: cube.rows * cube.cols },
        (_, i) => cube.data[i * cube.bands + b],
      );
      const [lo, hi] = percentiles(band, [98, 2]).reverse();
      expect(lo).toBeCloseTo(meta.percentiles.perBand.p2[b], 12);
      expect(hi).toBeCloseTo(meta.percentiles.perBand.p98[b], 12);
    }
  });
  it('agree with a full sort on ties, sorted runs and tiny sets; reject NaN and bad p', () => {
    const cases = [
      seededValues(1001, 4),
      Float32Array.from({ length: 500 }, (_, i) => Math.floor(i / 50)),
      Float32Array.from({ length: 300 }, (_, i) => 300 - i),
      Float32Array.of(3),
      Float32Array.of(5, 1),
    ];
    for (const v of cases)
      for (const p of [0, 2, 25, 50, 97.5, 100])
        expect(percentiles(v, [p])[0]).toBeCloseTo(sortedPercentile(v, p), 12);
    expect(() => percentiles(Float32Array.of(1, Number.NaN), [50])).toThrow(HsiValueError);
    expect(() => percentiles(Float32Array.of(1, 2), [101])).toThrow(HsiConfigError);
  });
});

describe('normalize / denormalize on Cubes', () => {
  it('global-max divides by the max and is recorded as JSON that inverts the data', async () => {
    const { meta, cube } = urban;
    const { data, record } = await normalize(cube, { method: 'global-max' });
    expect(record.scale[0]).toBeCloseTo(meta.percentiles.global.max, 7);
    const max = Float32Array.from(data.data).reduce((m, v) => Math.max(m, v), 0);
    expect(max).toBeCloseTo(1, 6);
    const restored = denormalize(data, JSON.parse(JSON.stringify(record)) as NormalizationRecord);
    expect(maxRelDiff(restored.data, cube.data)).toBeLessThan(1e-6);
    expect(data.wavelengths).toEqual(cube.wavelengths);
  });

  it('per-band min-max maps each band to [0, 1] using numpy min/max; max mode divides only', async () => {
    const { meta, cube } = jasper;
    const { data, record } = await normalize(cube, { method: 'per-band' });
    expect(maxAbsDiff(record.offset, meta.percentiles.perBand.min)).toBeLessThan(1e-7);
    for (let b = 0; b < cube.bands; b++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let p = 0; p < cube.rows * cube.cols; p++) {
        lo = Math.min(lo, data.data[p * cube.bands + b]);
        hi = Math.max(hi, data.data[p * cube.bands + b]);
      }
      expect(lo).toBeCloseTo(0, 6);
      expect(hi).toBeCloseTo(1, 6);
    }
    const byMax = await normalize(cube, { method: 'per-band', mode: 'max' });
    expect(maxAbsDiff(byMax.record.scale, meta.percentiles.perBand.max)).toBeLessThan(1e-7);
    expect(byMax.record.offset.every((o) => o === 0)).toBe(true);
    expect(maxRelDiff(denormalize(data, record).data, cube.data)).toBeLessThan(1e-6);
  });

  it('percentile clip uses numpy percentiles, clips to [0, 1], and inverts inside the clip range', async () => {
    const { meta, cube } = jasper;
    const { data, record } = await normalize(cube, {
      method: 'percentile',
      low: 2,
      high: 98,
      perBand: true,
    });
    expect(record.clipped).toBe(true);
    expect(maxAbsDiff(record.offset, meta.percentiles.perBand.p2)).toBeLessThan(1e-9);
    const hi = meta.percentiles.perBand.p98.map(
      (v: number, b: number) => v - meta.percentiles.perBand.p2[b],
    );
    expect(maxAbsDiff(record.scale, hi)).toBeLessThan(1e-9);
    expect(Math.min(...data.data)).toBe(0);
    expect(Math.max(...data.data)).toBe(1);
    const back = denormalize(data, record);
    let worst = 0;
    for (let i = 0; i < cube.data.length; i++) {
      const b = i % cube.bands;
      const lo = record.offset[b];
      const want = Math.min(lo + record.scale[b], Math.max(lo, cube.data[i]));
      worst = Math.max(worst, Math.abs(back.data[i] - want));
    }
    expect(worst).toBeLessThan(1e-6);
    const global = await normalize(cube, { method: 'percentile' });
    expect(global.record.offset[0]).toBeCloseTo(meta.percentiles.global.p2, 9);
  });

  it('divide uses a fixed divisor; BSQ int16 input works and no-data samples are left out of the stats', async () => {
    const bsq: Cube = {
      rows: 2,
      cols: 3,
      bands: 2,
      interleave: 'bsq',
      data: Int16Array.of(10, 20, 30, 40, 50, -9999, 1, 2, 3, 4, 5, 6),
      noDataValue: -9999,
      scaleFactor: 10000,
    };
    const div = await normalize(bsq, { method: 'divide', divisor: 10000 });
    expect(div.data.interleave).toBe('bip');
    expect(Array.from(div.data.data.subarray(0, 4))).toEqual(
      [0.001, 0.0001, 0.002, 0.0002].map(Math.fround),
    );
    expect(div.data.scaleFactor).toBeUndefined();
    const mm = await normalize(bsq, { method: 'per-band' });
    expect(mm.record.offset).toEqual([10, 1]);
    expect(mm.record.scale).toEqual([40, 5]);
  });

  it('applies a record fitted on one cube to another; rejects bad specs, records and data', async () => {
    const { cube } = urban;
    const { record } = await normalize(cube, { method: 'per-band' });
    const other = applyNormalization(cube, record);
    expect(other.bands).toBe(cube.bands);
    const wrongBands = bipCube(1, 1, 3, Float32Array.of(1, 2, 3));
    expect(() => applyNormalization(wrongBands, record)).toThrow(HsiShapeError);
    expect(() => applyNormalization(wrongBands, { ...record, version: 2 as 1 })).toThrow(
      /record.version/,
    );
    await expect(normalize(cube, { method: 'divide', divisor: 0 })).rejects.toThrow(HsiConfigError);
    await expect(normalize(cube, { method: 'percentile', low: 50, high: 10 })).rejects.toThrow(
      /low < high/,
    );
    await expect(normalize(cube, { method: 'magic' } as never)).rejects.toThrow(
      /unknown method 'magic'/,
    );
    const nan = bipCube(1, 2, 1, Float32Array.of(1, Number.NaN));
    await expect(normalize(nan, { method: 'global-max' })).rejects.toThrow(HsiValueError);
    const zeros = bipCube(1, 2, 1);
    await expect(normalize(zeros, { method: 'global-max' })).rejects.toThrow(/not > 0/);
  });
});

describeBackends('normalize / denormalize on tensors', () => {
  it('matches the Cube path, round-trips, and leaves only its result', async () => {
    const rows = 6;
    const cols = 5;
    const bands = 4;
    const values = seededValues(rows * cols * bands, 11).map((v) => 100 + 50 * v);
    const cube: Cube = { rows, cols, bands, interleave: 'bip', data: values };
    const x = tf.tensor4d(values, [1, rows, cols, bands]);
    for (const spec of [
      { method: 'per-band' as const },
      { method: 'percentile' as const, low: 5, high: 95, perBand: true },
    ]) {
      const before = tf.memory().numTensors;
      const { data, record } = await normalize(x, spec);
      expect(tf.memory().numTensors - before).toBe(1);
      const ref = await normalize(cube, spec);
      expect(record).toEqual(ref.record);
      expect(maxAbsDiff(await data.data(), ref.data.data)).toBeLessThan(1e-6);
      const back = denormalize(data, record);
      expect(back.shape).toEqual([1, rows, cols, bands]);
      expect(maxAbsDiff(await back.data(), denormalize(ref.data, record).data)).toBeLessThan(1e-4);
      tf.dispose([data, back]);
      expect(tf.memory().numTensors).toBe(before);
    }
    const flat = tf.zeros([3, 3]);
    await expect(normalize(flat, { method: 'global-max' })).rejects.toThrow(/expected \[h, w, B\]/);
    tf.dispose([x, flat]);
  });
});
