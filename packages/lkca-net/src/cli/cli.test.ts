import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  applyNormalization,
  bicubicUpsample,
  type Cube,
  computeMetrics,
  cropCube,
  decodePng,
  dihedralInverse,
  dihedralTransform,
  downsampleCube,
  type MetricReport,
  readCube,
  toBipCube,
  toInterleave,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { PixelShuffle } from '@hsrkit/layers';
import { maxAbsDiff } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCENE_PATH } from '../demo-scene.js';
import { saveModel } from '@hsrkit/inference/node';
import { cliFixture, lkca } from './test-support.js';

const METRIC_KEYS = ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const;

/** Largest |a[k] - b[k]| over the six metrics, relative to max(1, |b[k]|). */
type MetricValues = Record<(typeof METRIC_KEYS)[number], number>;

function metricGap(a: MetricValues, b: MetricValues): number {
  return Math.max(...METRIC_KEYS.map((k) => Math.abs(a[k] - b[k]) / Math.max(1, Math.abs(b[k]))));
}

/** Float32 BIP values of a cube. */
const bipData = (cube: Cube) => toBipCube(cube).data as Float32Array;

/** A model's output for one normalised input `[1, h, w, B]` (one whole-image pass). */
async function predictOnce(modelDir: string, x: Float32Array, shape: number[]) {
  const { loadModel } = await import('@hsrkit/inference/node');
  const model = await loadModel(modelDir);
  const y = tf.tidy(
    () => model.predict(tf.tensor4d(x, shape as [number, number, number, number])) as tf.Tensor,
  );
  const out = { data: (await y.data()) as Float32Array, shape: y.shape };
  y.dispose();
  model.dispose();
  return out;
}

/**
 * Squared Frobenius norm of the linear part of a chain of saved layers (3 x 3 'same' convs on 8
 * channels, then any 1 x 1), from its impulse responses: one image per input channel, a 1 at the centre of a
 * 3 x 3 image, minus the response to zeros (the bias); every kernel tap lands on one output
 * sample. Given a second chain, the norm of the difference of the two kernels.
 */
async function kernelEnergy(
  dir: string,
  layers: string[],
  minusDir?: string,
  minusLayers: string[] = [],
): Promise<number> {
  const { loadModel } = await import('@hsrkit/inference/node');
  const response = async (d: string, names: string[]) => {
    const model = await loadModel(d);
    const y = tf.tidy(() => {
      const impulses = tf.buffer([9, 3, 3, 8]); // 8 impulses and one image of zeros
      for (let c = 0; c < 8; c++) impulses.set(1, c, 1, 1, c);
      let t: tf.Tensor = impulses.toTensor();
      for (const name of names) t = model.getLayer(name).apply(t) as tf.Tensor;
      const [hit, zero] = tf.split(t, [8, 1], 0);
      return tf.sub(hit, zero);
    });
    const data = (await y.data()) as Float32Array;
    y.dispose();
    model.dispose();
    return data;
  };
  const a = await response(dir, layers);
  const b = minusDir ? await response(minusDir, minusLayers) : new Float32Array(a.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

describe('lkca CLI', () => {
  let dir: string;
  let sceneCrop: string;
  let modelDir: string;
  beforeAll(async () => {
    // A real 40 x 36 crop of the shipped scene and a small x2 model with normalisation metadata.
    ({
      dir,
      crop: sceneCrop,
      modelDir,
    } = await cliFixture(
      'lkca-cli-',
      { rows: 40, cols: 36 },
      {
        normalization: {
          version: 1,
          spec: { method: 'global-max' },
          bands: 31,
          offset: [0],
          scale: [63382],
          clipped: false,
        },
      },
    ));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('info: shape, type and valid range of the real .mat scene', async () => {
    const r = await lkca('info', DEMO_SCENE_PATH, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      rows: 256,
      cols: 256,
      bands: 31,
      dtype: 'uint16',
      format: 'mat',
      min: 0,
      max: 63382,
    });
  });

  it('degrade then metrics: x1/4 shape, and metrics equal hsi-data with the GT peak as data range', async () => {
    const lr = join(dir, 'lr.npy');
    const d = await lkca('degrade', sceneCrop, '--scale', '4', '-o', lr, '--json');
    expect(d.code).toBe(0);
    expect(d.json).toMatchObject({ rows: 10, cols: 9, bands: 31 });
    const up = join(dir, 'noisy.hdr');
    const gt = await readCube(sceneCrop);
    const bip = toInterleave(gt, 'bip');
    const noisy = {
      ...bip,
      data: Float32Array.from(bip.data, (v, i) => v + ((i * 7919) % 13) - 6),
    };
    await writeCube(up, noisy);
    const m = await lkca('metrics', sceneCrop, up, '--scale', '4', '--json');
    expect(m.code).toBe(0);
    let peak = 0;
    for (const v of gt.data) peak = Math.max(peak, v);
    const ref = await computeMetrics(gt, noisy, { preset: 'sspsr', scale: 4, dataRange: peak });
    for (const k of ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const)
      expect(m.json[k]).toBeCloseTo(ref[k], 6);
    // --sam-map: one grey map whose mean is the SAM; refused over either input.
    const png = join(dir, 'noisy-sam.png');
    const s = await lkca('metrics', sceneCrop, up, '--sam-map', png, '--json');
    expect(s.code).toBe(0);
    expect(s.json.samMap.meanDeg[0]).toBeCloseTo(ref.sam, 6);
    expect(s.json.samMap.secondLowerShare).toBeUndefined();
    const img = decodePng(await readFile(png));
    expect([img.width, img.height]).toEqual([gt.cols + 8, gt.rows + 8]);
    for (const target of [sceneCrop, up]) {
      const refused = await lkca('metrics', sceneCrop, up, '--sam-map', target);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('HsiOutputPathError');
    }
    expect((await readCube(up)).data).toEqual(
      toInterleave(noisy, (await readCube(up)).interleave).data,
    );
  });

  it('upscale: tiled output in the input units equals one whole-image pass, wavelengths kept', async () => {
    const out = join(dir, 'sr.hdr');
    const r = await lkca(
      'upscale',
      sceneCrop,
      '--model',
      modelDir,
      '-o',
      out,
      '--backend',
      'wasm',
      '--tile',
      '64',
      // One worker, one tile: the whole-image pass (more workers would cut this small input in two,
      // and LKCA-Net's global channel attention makes tiles differ slightly from one pass).
      '--workers',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rows: 80, cols: 72, bands: 31, scale: 2, backend: 'wasm' });
    const sr = await readCube(out);
    expect(sr.wavelengths).toEqual(Array.from({ length: 31 }, (_, k) => 400 + 10 * k));
    // Reference: normalise, one predict, denormalise.
    const { loadModel } = await import('@hsrkit/inference/node');
    const model = await loadModel(modelDir);
    const x = toInterleave(await readCube(sceneCrop), 'bip');
    const y = tf.tidy(() =>
      tf.mul(
        model.predict(
          tf.div(tf.tensor4d(Float32Array.from(x.data), [1, 40, 36, 31]), 63382),
        ) as tf.Tensor,
        63382,
      ),
    );
    expect(maxAbsDiff(toInterleave(sr, 'bip').data, await y.data()) / 63382).toBeLessThan(1e-5);
    y.dispose();
    model.dispose();
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('analyze and compress ANY saved model: the upsampler found, an SVD replacement that loads', async () => {
    const a = await lkca('analyze', modelDir, '--json', '--plot', join(dir, 'sv.svg'));
    expect(a.code).toBe(0);
    expect(a.json.upsamplers.map((u: { layer: string }) => u.layer)).toEqual(['upsampler']);
    expect((await readFile(join(dir, 'sv.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    const out = join(dir, 'compressed');
    const c = await lkca(
      'compress',
      modelDir,
      '--method',
      'svd',
      '--rank',
      '4',
      '--calibration',
      sceneCrop,
      '-o',
      out,
      '--json',
    );
    expect(c.code).toBe(0);
    expect(c.json.paramsAfter).toBeLessThan(c.json.paramsBefore);
    // The reported error, recomputed here from the two saved models on the calibration input
    // (the 36 x 36 centre crop of the 40 x 36 scene, normalised by the model's record): catches a
    // report that measures something else (other peak, other input, the MSE of another model).
    const crop = cropCube('calibration', await readCube(sceneCrop), {
      row: 2,
      col: 0,
      rows: 36,
      cols: 36,
    });
    const record = {
      version: 1 as const,
      spec: { method: 'global-max' as const },
      bands: 31,
      offset: [0],
      scale: [63382],
      clipped: false,
    };
    const xCal = bipData(applyNormalization(crop, record));
    const before = await predictOnce(modelDir, xCal, [1, 36, 36, 31]);
    const after = await predictOnce(out, xCal, [1, 36, 36, 31]);
    let se = 0;
    let maxAbs = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < before.data.length; i++) {
      const d = after.data[i] - before.data[i];
      se += d * d;
      maxAbs = Math.max(maxAbs, Math.abs(d));
      lo = Math.min(lo, before.data[i]);
      hi = Math.max(hi, before.data[i]);
    }
    const mse = se / before.data.length;
    const reported = c.json.outputError[0];
    expect(reported.peak).toBeCloseTo(hi - lo, 5);
    expect(reported.mse / mse).toBeCloseTo(1, 3);
    expect(reported.maxAbs / maxAbs).toBeCloseTo(1, 3);
    expect(reported.psnr).toBeCloseTo(10 * Math.log10(((hi - lo) * (hi - lo)) / mse), 2);
    // Rank 4 of a random (full-spectrum) upsampler loses real detail: an error, but not the output.
    expect(mse).toBeGreaterThan(0);
    // ...and the rank-4 pair is the best one (Eckart-Young): the upsampler's kernel is a 72 x 124
    // matrix (3 x 3 x 8 inputs, 124 outputs) of rank 72, and its best rank-4 approximation loses
    // at most the average share, 1 - 4/72, of the squared Frobenius norm (measured: 0.850);
    // keeping the 4 smallest singular values (issue 19's probe) loses 0.995 and fails here, as
    // does a report whose retained energy is not that of the saved pair. The kernels are read off
    // the saved layers' impulse responses, so this does not rely on how the pair stores factors.
    const layer = c.json.layers[0];
    expect(layer).toMatchObject({ className: 'Conv2D', fullRank: 72, rank: 4 });
    expect(layer.newLayers.length).toBe(2);
    const w = await kernelEnergy(modelDir, ['upsampler']);
    const lost = await kernelEnergy(out, layer.newLayers, modelDir, ['upsampler']);
    expect(lost / w).toBeGreaterThan(0);
    expect(lost / w).toBeLessThan(1 - 4 / 72);
    expect(Math.abs(1 - lost / w - layer.retainedEnergy)).toBeLessThan(1e-3);
    const e = await lkca(
      'upscale',
      sceneCrop,
      '--model',
      out,
      '-o',
      join(dir, 'sr2.npy'),
      '--backend',
      'wasm',
      '--json',
    );
    expect(e.code).toBe(0);
  });

  it('train: a tiny student on the real crop, validated on held-out columns, scale and bands recorded in the model', async () => {
    const out = join(dir, 'trained');
    const ckpt = join(dir, 'ckpt');
    const common = [
      'train',
      '--data',
      sceneCrop,
      '--scale',
      '2',
      '--channels',
      '8',
      '--blocks',
      '1',
      '--batch',
      '2',
      '--patch',
      '16',
      '--backend',
      'wasm',
      '--checkpoint-dir',
      ckpt,
      '-o',
      out,
      '--json',
    ];
    const first = await lkca(...common, '--steps', '4', '--hold-out-cols', '16');
    expect(first.stderr.split('\n').filter((l) => l.startsWith('lkca:'))).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.json.steps).toBe(4);
    // Which kernels trained (also the runtime line's): on wasm, @hsrkit/layers' own by default.
    expect(first.json.kernels).toMatch(/^XNNPACK \+ @hsrkit\/layers training kernels \(/);
    const { loadModel } = await import('@hsrkit/inference/node');
    const { readModelMetadata } = await import('@hsrkit/inference');
    const m = await loadModel(out);
    const meta = readModelMetadata(m);
    expect(meta).toMatchObject({ scale: 2, bands: 31 });
    m.dispose();
    // The printed validation metrics, recomputed: the held-out 40 x 16 columns cut into 16 x 16
    // HR patches (stride 16: rows 0 and 16), normalised by the saved record, LR by MATLAB bicubic
    // x1/2, the saved model's output, hsi-data's computeMetrics per image, averaged. Catches
    // metrics of another model, other patches, or unnormalised data.
    const held = cropCube('held', await readCube(sceneCrop), {
      row: 0,
      col: 20,
      rows: 40,
      cols: 16,
    });
    const sums = {} as MetricValues;
    for (const row of [0, 16]) {
      const hr = toBipCube(
        applyNormalization(
          cropCube('patch', held, { row, col: 0, rows: 16, cols: 16 }),
          meta.normalization!,
        ),
      );
      const lr = toBipCube(downsampleCube(hr, 2));
      const sr = await predictOnce(out, bipData(lr), [1, 8, 8, 31]);
      const ref = await computeMetrics(
        tf.tensor4d(bipData(hr), [1, 16, 16, 31]),
        tf.tensor4d(sr.data, [1, 16, 16, 31]),
        { preset: 'sspsr', scale: 2 },
      );
      for (const k of METRIC_KEYS) sums[k] = (sums[k] ?? 0) + ref[k] / 2;
    }
    expect(metricGap(first.json.validation, sums)).toBeLessThan(1e-3);
  });

  it('demo: the shipped weights beat bicubic on the held-out quadrant, and it writes the cube and pictures', async () => {
    const out = join(dir, 'demo');
    const r = await lkca('demo', '--out', out, '--backend', 'wasm', '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      rows: 128,
      cols: 128,
      bands: 31,
      scale: 4,
      backend: 'wasm',
      selfEnsemble: true,
    });
    // Issue 16's bar for the demo: >= +1.0 dB MPSNR over bicubic with SAM below bicubic's.
    expect(r.json.mpsnr - r.json.bicubic.mpsnr).toBeGreaterThanOrEqual(1.0);
    expect(r.json.ergas).toBeLessThan(r.json.bicubic.ergas);
    // The shipped demo model keeps spectra better than bicubic too.
    expect(r.json.sam).toBeLessThan(r.json.bicubic.sam);
    const sr = await readCube(join(out, 'sr_x4.hdr'));
    expect([sr.rows, sr.cols, sr.bands]).toEqual([128, 128, 31]);
    expect(sr.wavelengths?.[0]).toBe(400);
    const png = await readFile(join(out, 'compare.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // --no-self-ensemble: the single pass, scored on the same quadrant (same bicubic baseline).
    const one = await lkca(
      'demo',
      '--out',
      join(dir, 'demo-one'),
      '--backend',
      'wasm',
      '--no-self-ensemble',
      '--json',
    );
    expect(one.code).toBe(0);
    expect(one.json.selfEnsemble).toBe(false);
    expect(one.json.bicubic.mpsnr).toBe(r.json.bicubic.mpsnr);
    expect(one.json.mpsnr).toBeGreaterThan(one.json.bicubic.mpsnr);
    expect(Math.abs(one.json.mpsnr - r.json.mpsnr)).toBeGreaterThan(1e-3);
  });

  it('eval: model and bicubic scored on a real crop with the documented JSON keys; bench times a model', async () => {
    const r = await lkca(
      'eval',
      '--model',
      modelDir,
      '--data',
      sceneCrop,
      '--backend',
      'wasm',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rows: 40, cols: 36, bands: 31, scale: 2 });
    // The printed numbers, recomputed on the same arrays with hsi-data (as the metrics test does):
    // LR = MATLAB bicubic x1/2 of the 40 x 36 ground truth; bicubic x2 of it; the model in one
    // whole-image pass (the scene fits one tile); data range = the ground truth's peak.
    const gt = toBipCube(await readCube(sceneCrop));
    const lr = toBipCube(downsampleCube(gt, 2));
    const bic = tf.tidy(() => bicubicUpsample(tf.tensor3d(bipData(lr), [20, 18, 31]), 2));
    const bicubic: Cube = { ...gt, data: (await bic.data()) as Float32Array };
    bic.dispose();
    const sr = await predictOnce(
      modelDir,
      Float32Array.from(bipData(lr), (v) => v / 63382),
      [1, 20, 18, 31],
    );
    const model: Cube = { ...gt, data: Float32Array.from(sr.data, (v) => v * 63382) };
    let peak = 0;
    for (const v of bipData(gt)) peak = Math.max(peak, v);
    const opts = { preset: 'sspsr', scale: 2, dataRange: peak } as const;
    const refModel: MetricReport = await computeMetrics(gt, model, opts);
    const refBicubic: MetricReport = await computeMetrics(gt, bicubic, opts);
    expect(metricGap(r.json, refModel)).toBeLessThan(1e-4);
    expect(metricGap(r.json.bicubic, refBicubic)).toBeLessThan(1e-6);
    // Mutation check: the model's and bicubic's numbers are far apart, so a report that swapped
    // them (or scored bicubic twice) fails the comparison above.
    expect(metricGap(refBicubic, refModel)).toBeGreaterThan(1e-2);
    // --sam-map: the two per-pixel angle maps, checked pixel by pixel against angles computed here
    // (plain loops, not hsi-data) on the same arrays; white at bicubic's 99th percentile.
    const png = join(dir, 'sam-map.png');
    const m = await lkca(
      'eval',
      '--model',
      modelDir,
      '--data',
      sceneCrop,
      '--backend',
      'wasm',
      '--sam-map',
      png,
      '--json',
    );
    expect(m.code).toBe(0);
    const angles = (a: Float32Array, b: Float32Array) =>
      Array.from({ length: 40 * 36 }, (_, p) => {
        let [dot, na, nb] = [0, 0, 0];
        for (let k = 0; k < 31; k++) {
          const [x, y] = [a[p * 31 + k], b[p * 31 + k]];
          dot += x * y;
          na += x * x;
          nb += y * y;
        }
        return (Math.acos(Math.min(1, dot / Math.sqrt(na * nb))) * 180) / Math.PI;
      });
    const angBic = angles(bipData(gt), bipData(bicubic));
    const angSr = angles(bipData(gt), bipData(model));
    const white = [...angBic].sort((a, b) => a - b)[Math.floor(0.99 * (angBic.length - 1))];
    expect(m.json.samMap.whiteDeg).toBeCloseTo(white, 4);
    expect(m.json.samMap.pixels).toBe(40 * 36);
    expect(m.json.samMap.meanDeg[0]).toBeCloseTo(r.json.bicubic.sam, 6);
    expect(m.json.samMap.meanDeg[1]).toBeCloseTo(r.json.sam, 3);
    const lowerShare = angSr.filter((v, p) => v < angBic[p]).length / angSr.length;
    expect(Math.abs(m.json.samMap.secondLowerShare - lowerShare)).toBeLessThan(0.01);
    const img = decodePng(await readFile(png));
    expect([img.width, img.height]).toEqual([2 * 36 + 3 * 4, 40 + 2 * 4]);
    const grey = (x0: number, r: number, c: number) => img.data[((4 + r) * img.width + x0 + c) * 4];
    let worst = 0;
    for (let r = 0; r < 40; r++)
      for (let c = 0; c < 36; c++) {
        const want = (v: number) => Math.round(255 * Math.min(1, v / white));
        expect(grey(4, r, c)).toBe(want(angBic[r * 36 + c]));
        worst = Math.max(worst, Math.abs(grey(44, r, c) - want(angSr[r * 36 + c])));
      }
    expect(worst).toBeLessThanOrEqual(1);
    // Not over the data it reads.
    const refused = await lkca(
      'eval',
      '--model',
      modelDir,
      '--data',
      sceneCrop,
      '--sam-map',
      sceneCrop,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is the input');
    // --self-ensemble: against the mean of 8 whole-image passes, each on a rotated/flipped LR and
    // undone (predictOnce: the saved model alone, no lkca-net code).
    const x8 = await lkca(
      'eval',
      '--model',
      modelDir,
      '--data',
      sceneCrop,
      '--backend',
      'wasm',
      '--self-ensemble',
      '--json',
    );
    expect(x8.code).toBe(0);
    expect(x8.json.selfEnsemble).toBe(true);
    const lrT = tf.tensor3d(
      Float32Array.from(bipData(lr), (v) => v / 63382),
      [20, 18, 31],
    );
    const sum = new Float32Array(gt.rows * gt.cols * 31);
    for (let k = 0; k < 8; k++) {
      const t = dihedralTransform(lrT, k);
      const y = await predictOnce(modelDir, (await t.data()) as Float32Array, [1, ...t.shape]);
      t.dispose();
      const back = tf.tidy(() =>
        dihedralTransform(
          tf.tensor3d(y.data, y.shape.slice(1) as [number, number, number]),
          dihedralInverse(k),
        ),
      );
      const d = await back.data();
      back.dispose();
      for (let i = 0; i < sum.length; i++) sum[i] += (d[i] / 8) * 63382;
    }
    lrT.dispose();
    const refX8 = await computeMetrics(gt, { ...gt, data: sum }, opts);
    expect(metricGap(x8.json, refX8)).toBeLessThan(1e-4);
    expect(metricGap(refX8, refModel)).toBeGreaterThan(1e-4);
    const b = await lkca(
      'bench',
      '--model',
      modelDir,
      '--size',
      '48',
      '--repeats',
      '2',
      '--workers',
      '2',
      '--backend',
      'wasm',
      '--json',
    );
    expect(b.code).toBe(0);
    expect(b.json.ms_median).toBeGreaterThan(0);
    expect(b.json.params).toBeGreaterThan(0);
    // Two workers: the 48x48 input is cut into two tiles, as `upscale --workers 2` would.
    expect(b.json).toMatchObject({ workers: 2, tiles: 2, rows: 48, cols: 48 });
    // Each worker says what it runs: wasm with @hsrkit/layers' kernels and the fused tail.
    expect(b.json.devices).toHaveLength(2);
    for (const d of b.json.devices)
      expect(d).toMatch(/^wasm: .*@hsrkit\/layers kernels.*sub-pixel tail fused/);
    expect(b.json.gmac_per_s).toBeCloseTo(b.json.gmac / (b.json.ms_median / 1000), 6);
  });

  it('prints no TF.js banner: analyze, compress and upscale of an external model, fresh process', async () => {
    // Someone else's model: stock convs and a PixelShuffle, no LKCA-Net, no hsrkit metadata.
    const x = tf.input({ shape: [null, null, 31] });
    const f = tf.layers
      .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
      .apply(x) as tf.SymbolicTensor;
    const up = tf.layers.conv2d({ filters: 31 * 4, kernelSize: 3, padding: 'same' }).apply(f);
    const y = new PixelShuffle({ scale: 2 }).apply(up as tf.SymbolicTensor) as tf.SymbolicTensor;
    const external = tf.model({ inputs: x, outputs: y });
    const ext = join(dir, 'external');
    await saveModel(external, ext);
    external.dispose();
    const script = fileURLToPath(new URL('../../test/lkca-from-source.ts', import.meta.url));
    for (const args of [
      ['analyze', ext, '--json'],
      ['compress', ext, '--method', 'svd', '--rank', '2', '-o', join(dir, 'ext-svd'), '--json'],
      ['upscale', sceneCrop, '--model', ext, '-o', join(dir, 'ext-sr.npy'), '--json'],
    ]) {
      const { stdout, stderr } = await promisify(execFile)(
        'npx',
        ['tsx', '--conditions=source', script, ...args],
        { encoding: 'utf8' },
      );
      expect(stderr, args[0]).not.toMatch(/install our node backend|tfjs-node|={10}/);
      expect(JSON.parse(stdout), args[0]).toBeTypeOf('object');
    }
    const sr = await readCube(join(dir, 'ext-sr.npy'));
    expect([sr.rows, sr.cols, sr.bands]).toEqual([80, 72, 31]);
  });

  it('bad input: a clear error naming the file or option, and a non-zero exit', async () => {
    const missing = await lkca('info', join(dir, 'nope.hdr'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope');
    const usage = await lkca('compress', modelDir, '--method', 'svd', '-o', join(dir, 'x'));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--rank or --energy/);
    const scale = await lkca(
      'upscale',
      sceneCrop,
      '--model',
      modelDir,
      '-o',
      join(dir, 'bad.hdr'),
      '--scale',
      '4',
      '--backend',
      'wasm',
    );
    expect(scale.code).toBe(1);
    expect(scale.stderr).toMatch(/x2, not the requested x4/);
    expect(existsSync(join(dir, 'bad.hdr'))).toBe(false);
    const unknown = await lkca('frobnicate');
    expect(unknown.code).toBe(2);
  });
});
