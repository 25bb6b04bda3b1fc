import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@hsrkit/layers';
import { maxAbsDiff, useBackend } from '@hsrkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromFile, roundTrip } from '../test/node-io.js';
import { analyzeLayer } from './analyze-layer.js';
import { analyzeModel } from './analyze-model.js';
import { convertModel, lowRankConvert } from './convert.js';
import { findUpsamplers } from './find-upsamplers.js';

// The LKCA-Net-like fixture (Conv3x3(31->64) -> 2 LKBs -> Conv3x3(64->124) -> PixelShuffle(2)),
// trained by scripts/train-fixture.ts on Jasper Ridge patches, and a held-out calibration batch.
const fixtures = new URL('../fixtures/', import.meta.url).pathname;

let model: tf.LayersModel;
let calibration: tf.Tensor4D;

async function predict(m: tf.LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const y = m.predict(x) as tf.Tensor;
  const d = (await y.data()) as Float32Array;
  y.dispose();
  return d;
}

describe('trained LKCA-Net-like fixture', () => {
  beforeAll(async () => {
    await useBackend('wasm'); // the LKBs run ~10x faster there than on cpu
    model = await loadModelFromFile(`${fixtures}lkca-mini/model.json`);
    const meta = JSON.parse(await readFile(`${fixtures}jasper-lr-calibration.json`, 'utf8'));
    const bytes = await readFile(`${fixtures}jasper-lr-calibration.bin`);
    const values = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    calibration = tf.tensor4d(values, meta.shape);
  });
  afterAll(() => {
    model.dispose();
    calibration.dispose();
  });

  it('finds the upsampler, the largest share of the params', async () => {
    expect(findUpsamplers(model).map((u) => [u.layer, u.via])).toEqual([['upsampler', 'shuffle']]);
    const a = await analyzeModel(model, { inputShape: [16, 16, 31], spectra: 'none' });
    expect(a.layers[0].layer).toBe('upsampler');
    expect(a.layers[0].params).toBe(9 * 64 * 124 + 124);
    expect(a.upsamplerShare).toBeGreaterThan(0.5);
    // The LKBs are composite layers: their MACs are not counted, and the analysis says so.
    expect(a.uncountedLayers.sort()).toEqual(['lkb1', 'lkb2']);
  });

  it('full rank: the converted model reproduces the trained one, also after save/load', async () => {
    // Full rank never pays, so the no-gain rule is off: this checks the factorization itself.
    const { model: m, report } = await convertModel(
      model,
      { layers: [{ layer: 'upsampler', rank: 124 }] },
      { calibration },
      'swap-always',
    );
    expect(report.output![0].maxAbs).toBeLessThan(1e-4);
    const loaded = await roundTrip(m);
    expect(
      maxAbsDiff(await predict(loaded, calibration), await predict(model, calibration)),
    ).toBeLessThan(1e-4);
    expect(loaded.getLayer('upsampler_lr_a').getWeights()[0].shape).toEqual([3, 3, 64, 124]);
    loaded.dispose();
    m.dispose();
  });

  it('rank at 0.9 energy cuts the upsampler params by the factor its spectrum predicts', async () => {
    const analysis = await analyzeLayer(model.getLayer('upsampler'), { energies: [0.9] });
    const r = analysis.ranks[0].rank;
    expect(analysis.ranks[0].params).toBe(r * (3 * 3 * 64) + r * 124 + 124);
    const { model: m, report } = await lowRankConvert(
      model,
      { layers: [{ layer: 'upsampler', energy: 0.9 }] },
      { calibration },
    );
    const l = report.layers[0];
    expect(l.rank).toBe(r);
    expect(l.paramsAfter).toBe(analysis.ranks[0].params);
    expect(l.paramsBefore / l.paramsAfter).toBeCloseTo(
      (9 * 64 * 124 + 124) / (r * (576 + 124) + 124),
      12,
    );
    expect(report.paramsBefore - report.paramsAfter).toBe(l.paramsBefore - l.paramsAfter);
    expect(l.retainedEnergy).toBeGreaterThanOrEqual(0.9);
    expect(Number.isFinite(report.output![0].psnr)).toBe(true);
    m.dispose();
  });

  it('at 0.99 energy the factorization gains nothing: the trained upsampler is kept, and the report says why', async () => {
    const analysis = await analyzeLayer(model.getLayer('upsampler'), { energies: [0.99] });
    const r = analysis.ranks[0].rank;
    const params = 9 * 64 * 124 + 124;
    // The premise, from the trained spectrum: rank r costs more than the layer (r > 576*124/700).
    expect(r * (576 + 124) + 124).toBeGreaterThan(params);
    const { model: m, report } = await lowRankConvert(
      model,
      { layers: [{ layer: 'upsampler', energy: 0.99 }] },
      { calibration },
    );
    expect(report.layers[0]).toMatchObject({
      outcome: 'no-gain',
      rank: r,
      paramsAfter: params,
      newLayers: ['upsampler'],
      comparison: {
        paramsOriginal: params,
        paramsFactorized: r * (576 + 124) + 124,
        macsOriginal: 16 * 16 * 576 * 124,
        macsFactorized: 16 * 16 * r * (576 + 124),
        macsInputShape: [16, 16, 64],
        nominalInputShape: false,
      },
    });
    expect(report.paramsAfter).toBe(report.paramsBefore);
    // Nothing was swapped: the output is the original's to the bit.
    expect(report.output![0].maxAbs).toBe(0);
    m.dispose();
  });

  it('training made the upsampler more low-rank than its random initialisation', async () => {
    // Same architecture and initialiser seed as scripts/train-fixture.ts, untrained.
    const { buildLkcaMini } = await import('../scripts/lkca-mini.js');
    const fresh = buildLkcaMini();
    const untrained = await analyzeLayer(fresh.getLayer('upsampler'), { energies: [0.9] });
    const trained = await analyzeLayer(model.getLayer('upsampler'), { energies: [0.9] });
    expect(trained.ranks[0].rank).toBeLessThan(untrained.ranks[0].rank);
    fresh.dispose();
  });
});
