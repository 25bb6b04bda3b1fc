import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { bicubicResize } from '@hsrkit/layers';
import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LKCA_LAYER_NAMES } from '../model.js';
import { AnyBandSR } from './any-band-model.js';
import { AnyBandConfigError, AnyBandInputError } from './errors.js';
import { ANY_BAND_CONFIG_FILE, loadAnyBandModel, saveAnyBandModel } from './io-node.js';

/** A small model whose upsampler is zero: the core returns exactly its bicubic skip. */
function bicubicOnly(residual: 'additive' | 'relative' = 'additive'): AnyBandSR {
  const m = AnyBandSR.create({
    groupSize: 8,
    stride: 4,
    core: { channels: 16, blocks: 1, reduction: 4 },
    seed: 3,
    residual,
  });
  const up = m.core.getLayer(LKCA_LAYER_NAMES.upsampler);
  const zeros = up.getWeights().map((w) => tf.zerosLike(w));
  up.setWeights(zeros);
  tf.dispose(zeros);
  return m;
}

/** Positive test data in DN-like units: [rows, cols, B] BIP. */
function cubeData(rows: number, cols: number, bands: number, seed: number): Float32Array {
  const v = seededValues(rows * cols * bands, seed);
  return v.map((x, i) => 2000 + 800 * x + 30 * (i % bands));
}

describe('AnyBandSR', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'any-band-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('returns bicubic exactly when the core is bicubic, for any band count', async () => {
    for (const residual of ['additive', 'relative'] as const) {
      const m = bicubicOnly(residual);
      for (const B of [1, 3, 8, 13, 31]) {
        const data = cubeData(6, 5, B, B);
        const lr = tf.tensor3d(data, [6, 5, B]);
        const sr = m.superResolveTensor(lr, { groupBatch: 2 });
        const ref = tf.squeeze(
          bicubicResize(tf.expandDims(lr, 0) as tf.Tensor4D, { scale: 4 }),
          [0],
        );
        expect(sr.shape).toEqual([24, 20, B]);
        expect(maxRelDiff(await sr.data(), await ref.data())).toBeLessThan(2e-6);
        tf.dispose([lr, sr, ref]);
      }
      m.dispose();
    }
  });

  it('returns the same units it is given: uint16 DN and DN / 10000 differ by the factor', async () => {
    const m = AnyBandSR.create({ core: { channels: 16, blocks: 1, reduction: 4 }, seed: 5 });
    // A non-trivial correction: the upsampler at full Glorot scale.
    const up = m.core.getLayer(LKCA_LAYER_NAMES.upsampler);
    const [k, b] = up.getWeights();
    const k2 = tf.mul(k, 10);
    up.setWeights([k2, b]);
    tf.dispose(k2);
    const rows = 7;
    const cols = 6;
    const B = 11;
    const dn = Uint16Array.from(cubeData(rows, cols, B, 9), Math.round);
    const base = { rows, cols, bands: B, interleave: 'bip' as const };
    const a = await m.predict({ ...base, data: dn });
    const scaled = await m.predict({ ...base, data: Float32Array.from(dn, (v) => v / 10000) });
    const bic = m.superResolveTensor(tf.tensor3d(Float32Array.from(dn), [rows, cols, B]));
    const bicData = await bic.data();
    bic.dispose();
    expect(a.rows).toBe(rows * 4);
    expect(a.bands).toBe(B);
    expect(
      maxRelDiff(
        Float32Array.from(scaled.data, (v) => v * 10000),
        a.data,
      ),
    ).toBeLessThan(1e-5);
    // ... and the correction is not nothing (this test would pass trivially for a zero model).
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff = Math.max(diff, Math.abs(a.data[i] - bicData[i]));
    expect(diff).toBe(0); // predict and superResolveTensor agree on a small cube (one tile)
    const ref = tf.tidy(() =>
      tf.squeeze(
        bicubicResize(tf.tensor4d(Float32Array.from(dn), [1, rows, cols, B]), { scale: 4 }),
        [0],
      ),
    );
    expect(maxRelDiff(a.data, await ref.data())).toBeGreaterThan(1e-3);
    ref.dispose();
    m.dispose();
  });

  it('leaks no tensors', async () => {
    const m = bicubicOnly();
    const lr = tf.tensor3d(cubeData(5, 5, 13, 2), [5, 5, 13]);
    await expectNoLeak(async () => {
      const sr = m.superResolveTensor(lr, { groupBatch: 1 });
      sr.dispose();
      await m.predict({
        rows: 5,
        cols: 5,
        bands: 13,
        interleave: 'bip',
        data: cubeData(5, 5, 13, 2),
      });
    });
    lr.dispose();
    m.dispose();
  });

  it('stitches tiles exactly for a local (bicubic) core', async () => {
    const m = bicubicOnly();
    const cube = {
      rows: 19,
      cols: 13,
      bands: 9,
      interleave: 'bip' as const,
      data: cubeData(19, 13, 9, 4),
    };
    const whole = await m.predict(cube);
    const tiled = await m.predict(cube, { tile: 8, halo: 3 });
    expect(maxRelDiff(tiled.data, whole.data)).toBeLessThan(2e-6);
    m.dispose();
  });

  it('masks no-data: dead bands stay no-data, no-data pixels cover their HR block', async () => {
    const m = bicubicOnly();
    const rows = 6;
    const cols = 5;
    const B = 10;
    const data = Float32Array.from(cubeData(rows, cols, B, 7));
    const clean = { rows, cols, bands: B - 1, interleave: 'bip' as const };
    const withoutBand3 = new Float32Array(rows * cols * (B - 1));
    for (let p = 0; p < rows * cols; p++)
      for (let b = 0, k = 0; b < B; b++)
        if (b !== 3) withoutBand3[p * (B - 1) + k++] = data[p * B + b];
    for (let p = 0; p < rows * cols; p++) data[p * B + 3] = -32768;
    const out = await m.predict({
      rows,
      cols,
      bands: B,
      interleave: 'bip',
      data,
      noDataValue: -32768,
    });
    const ref = await m.predict({ ...clean, data: withoutBand3 });
    for (let p = 0; p < rows * cols * 16; p++) {
      expect(out.data[p * B + 3]).toBe(-32768);
      for (let b = 0, k = 0; b < B; b++)
        if (b !== 3) expect(out.data[p * B + b]).toBeCloseTo(ref.data[p * (B - 1) + k++], 2);
    }
    // One NaN sample: its HR 4 x 4 block in that band is NaN, everything else finite.
    const nan = Float32Array.from(cubeData(rows, cols, B, 7));
    nan[(2 * cols + 1) * B + 5] = Number.NaN;
    const o2 = await m.predict({ rows, cols, bands: B, interleave: 'bip', data: nan });
    let nans = 0;
    for (let R = 0; R < rows * 4; R++)
      for (let C = 0; C < cols * 4; C++)
        for (let b = 0; b < B; b++) {
          const v = o2.data[(R * cols * 4 + C) * B + b];
          const inBlock = b === 5 && Math.floor(R / 4) === 2 && Math.floor(C / 4) === 1;
          expect(Number.isNaN(v)).toBe(inBlock);
          if (inBlock) nans++;
        }
    expect(nans).toBe(16);
    await expect(
      m.predict({ rows, cols, bands: B, interleave: 'bip', data: nan }, { noData: 'error' }),
    ).rejects.toThrow(AnyBandInputError);
    m.dispose();
  });

  it('saves and loads as a TF.js model folder plus any-band.json', async () => {
    const m = AnyBandSR.create({
      core: { channels: 16, blocks: 1, reduction: 4 },
      seed: 11,
      residual: 'relative',
    });
    const folder = join(dir, 'm');
    await saveAnyBandModel(m, folder, { training: { note: 'test' } });
    const back = await loadAnyBandModel(folder);
    expect(back.config.residual).toBe('relative');
    expect(back.config.training).toEqual({ note: 'test' });
    const lr = tf.tensor3d(cubeData(4, 4, 12, 3), [4, 4, 12]);
    const a = m.superResolveTensor(lr);
    const b = back.superResolveTensor(lr);
    expect(maxRelDiff(await b.data(), await a.data())).toBe(0);
    tf.dispose([lr, a, b]);
    await writeFile(join(folder, ANY_BAND_CONFIG_FILE), JSON.stringify({ format: 'x' }));
    await expect(loadAnyBandModel(folder)).rejects.toThrow(AnyBandConfigError);
    m.dispose();
    back.dispose();
  });

  it('seeds the weight init', () => {
    const a = AnyBandSR.create({ core: { channels: 16, blocks: 1, reduction: 4 }, seed: 2 });
    const b = AnyBandSR.create({ core: { channels: 16, blocks: 1, reduction: 4 }, seed: 2 });
    const c = AnyBandSR.create({ core: { channels: 16, blocks: 1, reduction: 4 }, seed: 3 });
    const wa = a.core.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b.core.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(wa);
    expect(c.core.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(wa);
    for (const m of [a, b, c]) m.dispose();
  });
});
