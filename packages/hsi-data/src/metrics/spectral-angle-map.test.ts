import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { bipCube, metricFixtureMeta, readF32 } from '../../test/metric-fixtures.js';
import { HsiConfigError, HsiShapeError } from '../errors.js';
import { computeMetrics } from './metrics.js';
import { spectralAngleMap } from './spectral-angle-map.js';

describe('spectralAngleMap', () => {
  it('gives each pixel its angle: known geometry, scale-free, NaN for a zero spectrum', async () => {
    // 1 x 4 pixels of 3 bands: 45 deg, 90 deg, 0 deg (a scaled copy), zero ground truth.
    const gt = bipCube(1, 4, 3, new Float32Array([1, 0, 0, 0, 1, 0, 1, 2, 3, 0, 0, 0]));
    const pred = bipCube(1, 4, 3, new Float32Array([1, 1, 0, 1, 0, 0, 5, 10, 15, 1, 1, 1]));
    const map = await spectralAngleMap(gt, pred);
    expect(map.rows).toBe(1);
    expect(map.cols).toBe(4);
    expect(map.data[0]).toBeCloseTo(45, 4);
    expect(map.data[1]).toBeCloseTo(90, 4);
    expect(map.data[2]).toBeCloseTo(0, 2);
    expect(Number.isNaN(map.data[3])).toBe(true);
    expect(map.mean).toBeCloseTo(45, 3);
    // MCNet's rule scores the zero spectrum too: its zeros become eps = 2.2204e-16, and the eps
    // its formula adds to the denominator is as large as the norm: cos = 3eps / (3eps + eps).
    const eps = await spectralAngleMap(gt, pred, { preset: 'mcnet' });
    const zeroAngle = (Math.acos(0.75) * 180) / Math.PI;
    expect(eps.data[3]).toBeCloseTo(zeroAngle, 3);
    expect(eps.mean).toBeCloseTo((45 + 90 + eps.data[2] + zeroAngle) / 4, 3);
  });

  for (const name of ['jasper', 'balloons', 'urban']) {
    it(`${name}: its mean is the SAM scikit-image/numpy computed (sspsr and mcnet)`, async () => {
      const meta = metricFixtureMeta(name);
      const [rows, cols, bands] = meta.shape;
      const gt = bipCube(rows, cols, bands, readF32(`${name}.gt.f32`));
      const pred = bipCube(rows, cols, bands, readF32(`${name}.pred.f32`));
      for (const preset of ['sspsr', 'mcnet'] as const) {
        const map = await spectralAngleMap(gt, pred, { preset });
        expect(map.data.length).toBe(rows * cols);
        expect(
          Math.abs(map.mean - meta.metrics[preset].sam) / meta.metrics[preset].sam,
        ).toBeLessThan(1e-4);
        // And the map's own mean (float32 values) agrees.
        let s = 0;
        let n = 0;
        for (const v of map.data)
          if (!Number.isNaN(v)) {
            s += v;
            n++;
          }
        expect(s / n).toBeCloseTo(map.mean, 3);
      }
    });
  }

  it('leaves no-data pixels out, as computeMetrics does', async () => {
    const meta = metricFixtureMeta('jasper');
    const [rows, cols, bands] = meta.shape;
    const g = readF32('jasper.gt.f32').slice();
    for (let b = 0; b < bands; b++) g[5 * bands + b] = -9999; // pixel 5 is no-data
    g[17 * bands + 2] = -9999; // one band of pixel 17 too
    const gt = { ...bipCube(rows, cols, bands, g), noDataValue: -9999 };
    const pred = bipCube(rows, cols, bands, readF32('jasper.pred.f32'));
    const map = await spectralAngleMap(gt, pred);
    expect(Number.isNaN(map.data[5])).toBe(true);
    expect(Number.isNaN(map.data[17])).toBe(true);
    expect(Number.isNaN(map.data[6])).toBe(false);
    const ref = await computeMetrics(gt, pred);
    expect(map.mean).toBeCloseTo(ref.sam, 6);
  });

  it('reads tensors without disposing them or leaking', async () => {
    const gt = tf.tensor3d([1, 0, 0, 1], [1, 2, 2]);
    const pred = tf.tensor4d([1, 1, 0, 1], [1, 1, 2, 2]);
    const map = await expectNoLeak(() => spectralAngleMap(gt, pred));
    expect(Array.from(map.data).map((v) => Math.round(v))).toEqual([45, 0]);
    expect(gt.isDisposed).toBe(false);
    tf.dispose([gt, pred]);
  });

  it('refuses mismatched shapes and unknown presets, naming them', async () => {
    const a = bipCube(2, 2, 3);
    const b = bipCube(2, 3, 3);
    await expect(spectralAngleMap(a, b)).rejects.toThrow(HsiShapeError);
    await expect(spectralAngleMap(a, b)).rejects.toThrow(/2 x 2 x 3.*2 x 3 x 3|2, 2, 3.*2, 3, 3/);
    await expect(spectralAngleMap(a, a, { preset: 'x' as never })).rejects.toThrow(HsiConfigError);
  });
});
