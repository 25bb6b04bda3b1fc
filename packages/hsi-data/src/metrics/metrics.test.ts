import * as tf from '@tensorflow/tfjs';
import { describeBackends, expectNoLeak } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { bipCube, metricFixtureMeta, readF32 } from '../../test/metric-fixtures.js';
import { type Cube, toInterleave } from '../cube.js';
import { HsiConfigError, HsiShapeError, HsiValueError } from '../errors.js';
import {
  cc,
  computeMetrics,
  ergas,
  type MetricReport,
  metricsOfImages,
  mpsnr,
  mssim,
  rmse,
  sam,
} from './metrics.js';
import { METRIC_NAMES } from './metric-names.js';
import { SSIM_GAUSSIAN_11, SSIM_UNIFORM_7, SsimPlanes } from './ssim.js';

type Numbers = Omit<MetricReport, 'preset' | 'scale' | 'dataRange'>;
interface Fixture {
  name: string;
  shape: [number, number, number];
  scale: number;
  gt: Float32Array;
  pred: Float32Array;
  metrics: { sspsr: Numbers; mcnet: Numbers; sspsrRange2: Numbers };
}

function loadFixture(name: string): Fixture {
  const meta = metricFixtureMeta(name);
  return {
    name,
    shape: meta.shape,
    scale: meta.scale,
    gt: readF32(`${name}.gt.f32`),
    pred: readF32(`${name}.pred.f32`),
    metrics: meta.metrics,
  };
}

const fixtureCube = (f: Fixture, data: Float32Array): Cube => bipCube(...f.shape, data);

/** The same samples laid out band-sequentially, to check the metrics do not depend on layout. */
function toBsq(f: Fixture, data: Float32Array): Cube {
  const [rows, cols, bands] = f.shape;
  const out = new Float32Array(data.length);
  for (let p = 0; p < rows * cols; p++)
    for (let b = 0; b < bands; b++) out[b * rows * cols + p] = data[p * bands + b];
  return { rows, cols, bands, interleave: 'bsq', data: out };
}

const KEYS = METRIC_NAMES;
function expectClose(got: Numbers, want: Numbers, label: string) {
  for (const k of KEYS) {
    const rel = Math.abs(got[k] - want[k]) / Math.max(Math.abs(want[k]), 1e-12);
    expect(rel, `${label} ${k}: got ${got[k]}, scikit-image/numpy ${want[k]}`).toBeLessThan(1e-4);
  }
}

const fixtures = ['jasper', 'balloons', 'urban'].map(loadFixture);

describe('metrics against scikit-image / numpy on real cubes (Cube input, plain JS)', () => {
  for (const f of fixtures) {
    it(`${f.name} ${f.shape.join('x')}: sspsr and mcnet presets, data range 1 and 2`, async () => {
      const gt = fixtureCube(f, f.gt);
      const pred = fixtureCube(f, f.pred);
      expectClose(
        await computeMetrics(gt, pred, { preset: 'sspsr', scale: f.scale }),
        f.metrics.sspsr,
        'sspsr',
      );
      expectClose(
        await computeMetrics(gt, pred, { preset: 'mcnet', scale: f.scale }),
        f.metrics.mcnet,
        'mcnet',
      );
      expectClose(
        await computeMetrics(gt, pred, { preset: 'sspsr', scale: f.scale, dataRange: 2 }),
        f.metrics.sspsrRange2,
        'sspsr range 2',
      );
    });
  }

  it('gives the same numbers for BSQ and BIL (int16) cubes as for their BIP twins', async () => {
    const f = fixtures[2];
    const a = await computeMetrics(fixtureCube(f, f.gt), fixtureCube(f, f.pred), { scale: 3 });
    const b = await computeMetrics(toBsq(f, f.gt), toBsq(f, f.pred), { scale: 3 });
    expectClose(b, a, 'bsq vs bip');
    // Integer storage, as ENVI files hold reflectance: scaled by 10000 and rounded, then BIL.
    const int16 = (d: Float32Array) => Int16Array.from(d, (v) => Math.round(v * 10000));
    const gtI = { ...fixtureCube(f, f.gt), data: int16(f.gt) };
    const predI = { ...fixtureCube(f, f.pred), data: int16(f.pred) };
    const c = await computeMetrics(gtI, predI, { scale: 3, dataRange: 10000 });
    const d = await computeMetrics(toInterleave(gtI, 'bil'), toInterleave(predI, 'bil'), {
      scale: 3,
      dataRange: 10000,
    });
    expectClose(d, c, 'bil vs bip');
    expect(Math.abs(c.mpsnr - a.mpsnr)).toBeLessThan(0.01);
  });

  it('the single-metric functions agree with computeMetrics', async () => {
    const f = fixtures[1];
    const gt = fixtureCube(f, f.gt);
    const pred = fixtureCube(f, f.pred);
    const o = { preset: 'sspsr' as const, scale: f.scale };
    const all = f.metrics.sspsr;
    const got = {
      mpsnr: await mpsnr(gt, pred, o),
      mssim: await mssim(gt, pred, o),
      sam: await sam(gt, pred, o),
      ergas: await ergas(gt, pred, o),
      cc: await cc(gt, pred, o),
      rmse: await rmse(gt, pred, o),
    };
    expectClose(got, all, 'single');
  });

  it('SsimPlanes (band planes, either window) agrees with the fixtures too', () => {
    const f = fixtures[0];
    const [rows, cols, bands] = f.shape;
    const plane = (d: Float32Array, b: number) =>
      Float32Array.from({ length: rows * cols }, (_, i) => d[i * bands + b]);
    for (const [window, want] of [
      [SSIM_UNIFORM_7, f.metrics.sspsr.mssim],
      [SSIM_GAUSSIAN_11, f.metrics.mcnet.mssim],
    ] as const) {
      const s = new SsimPlanes(rows, cols, window, 1);
      let sum = 0;
      for (let b = 0; b < bands; b++) sum += s.band(plane(f.gt, b), plane(f.pred, b));
      expect(Math.abs(sum / bands - want) / want).toBeLessThan(1e-6);
    }
    expect(() => new SsimPlanes(rows, cols, { ...SSIM_UNIFORM_7, size: 6 }, 1)).toThrow(
      HsiConfigError,
    );
  });

  it('identical images score perfectly', () => {
    const f = fixtures[0];
    const img = { rows: f.shape[0], cols: f.shape[1], bands: f.shape[2], data: f.gt };
    const r = metricsOfImages(img, img, { scale: 2 });
    expect(r.mpsnr).toBe(Number.POSITIVE_INFINITY);
    expect(r.mssim).toBeCloseTo(1, 12);
    expect(r.sam).toBeLessThan(1e-4);
    expect(r.ergas).toBe(0);
    expect(r.cc).toBeCloseTo(1, 12);
    expect(r.rmse).toBe(0);
  });
});

describe('metric errors', () => {
  const f = fixtures[0];
  it('rejects shape mismatches naming both shapes', async () => {
    const small = bipCube(4, 36, 50);
    await expect(computeMetrics(fixtureCube(f, f.gt), small)).rejects.toThrow(HsiShapeError);
    await expect(computeMetrics(fixtureCube(f, f.gt), small)).rejects.toThrow(
      '[40, 36, 50] but prediction is [4, 36, 50]',
    );
  });
  it('rejects a cube whose data length does not match its shape', async () => {
    const bad = bipCube(40, 36, 50, new Float32Array(10));
    await expect(computeMetrics(bad, bad)).rejects.toThrow(/has 10 samples/);
  });
  it('rejects NaN with its position, images smaller than the SSIM window, bad options', async () => {
    const pred = f.pred.slice();
    pred[(3 * 36 + 5) * 50 + 7] = Number.NaN;
    await expect(computeMetrics(fixtureCube(f, f.gt), fixtureCube(f, pred))).rejects.toThrow(
      HsiValueError,
    );
    await expect(computeMetrics(fixtureCube(f, f.gt), fixtureCube(f, pred))).rejects.toThrow(
      'row 3, col 5, band 7',
    );
    const tiny = bipCube(6, 6, 2, 0.5);
    await expect(computeMetrics(tiny, tiny)).rejects.toThrow(/smaller than the 7 x 7 window/);
    await expect(computeMetrics(tiny, tiny, { scale: 0 })).rejects.toThrow(HsiConfigError);
    await expect(computeMetrics(tiny, tiny, { preset: 'nope' as never })).rejects.toThrow(
      /unknown metric preset/,
    );
  });
});

describeBackends('metrics of tensors', () => {
  it('a [h, w, B] tensor pair gives the fixture numbers and leaks nothing', async () => {
    // A 12 x 10 corner of the balloons pair keeps WebGPU's transfer small.
    const f = fixtures[1];
    const [, cols, bands] = f.shape;
    const rows = 12;
    const w = 10;
    const crop = (src: Float32Array) => {
      const out = new Float32Array(rows * w * bands);
      for (let r = 0; r < rows; r++)
        out.set(src.subarray(r * cols * bands, (r * cols + w) * bands), r * w * bands);
      return out;
    };
    const gtData = crop(f.gt);
    const predData = crop(f.pred);
    const ref = metricsOfImages(
      { rows, cols: w, bands, data: gtData },
      { rows, cols: w, bands, data: predData },
      { scale: 4 },
    );
    const gt = tf.tensor3d(gtData, [rows, w, bands]);
    const pred = tf.tensor4d(predData, [1, rows, w, bands]);
    const got = await expectNoLeak(() => computeMetrics(gt, pred, { scale: 4 }));
    expectClose(got, ref, 'tensor');
    tf.dispose([gt, pred]);
    const bad = tf.zeros([2, 3, 4, 5]);
    await expect(computeMetrics(bad, bad)).rejects.toThrow(
      /expected a \[rows, cols, bands\] tensor, got \[2, 3, 4, 5\]/,
    );
    bad.dispose();
  });
});
