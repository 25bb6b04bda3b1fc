import * as tf from '@tensorflow/tfjs';
import { pixelShuffle2D } from '@hsrkit/layers';
import { useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeLayer } from './analyze-layer.js';
import { lowRankConvert } from './convert.js';
import { conversionReportMarkdown } from './report-markdown.js';

/** Orthonormal DCT-II basis vector k of length n. */
function dct(n: number, k: number): Float64Array {
  const scale = Math.sqrt((k === 0 ? 1 : 2) / n);
  return Float64Array.from(
    { length: n },
    (_, i) => scale * Math.cos((Math.PI * (i + 0.5) * k) / n),
  );
}

/**
 * A Conv2D kernel [kh, kw, Cin, Cout] whose flat matrix ((kh*kw*Cin) x Cout, row-major) is
 * sum_k s_k u_k v_k^T with orthonormal DCT vectors, so its singular values are exactly `s`.
 */
function kernelWithSpectrum(kh: number, kw: number, cin: number, cout: number, s: number[]) {
  const rows = kh * kw * cin;
  const values = new Float32Array(rows * cout);
  s.forEach((sk, k) => {
    const u = dct(rows, k);
    const v = dct(cout, k);
    for (let i = 0; i < rows; i++)
      for (let o = 0; o < cout; o++) values[i * cout + o] += sk * u[i] * v[o];
  });
  return tf.tensor4d(values, [kh, kw, cin, cout]);
}

function setKernel(layer: tf.layers.Layer, kernel: tf.Tensor) {
  const [, bias] = layer.getWeights();
  layer.setWeights([kernel, bias]);
  kernel.dispose();
}

/**
 * An x2 SR net for 4 bands, fully convolutional (input size open): 'feat' 3x3 4 -> 16 (relu),
 * 'SR' 3x3 16 -> 12, PixelShuffle(2). 'feat' has a fast-decaying spectrum (s_k = 0.5^k), 'SR' a
 * flat one (twelve singular values of 1): 95 % of its energy needs all 12 ranks.
 */
function srNet(): tf.LayersModel {
  const x = tf.input({ shape: [null, null, 4] as unknown as number[] });
  const feat = tf.layers.conv2d({
    filters: 16,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    name: 'feat',
  });
  const sr = tf.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', name: 'SR' });
  const y = pixelShuffle2D({ scale: 2, name: 'shuffle' }).apply(
    sr.apply(feat.apply(x)),
  ) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: y });
  setKernel(
    feat,
    kernelWithSpectrum(
      3,
      3,
      4,
      16,
      Array.from({ length: 16 }, (_, k) => 0.5 ** k),
    ),
  );
  setKernel(sr, kernelWithSpectrum(3, 3, 16, 12, Array(12).fill(1)));
  return model;
}

describe('lowRankConvert: no gain, no swap', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('keeps a layer whose spectrum needs a rank that costs more params, and converts one that gains', async () => {
    const model = srNet();
    const srKernel = await model.getLayer('SR').getWeights()[0].data();
    const sr = await analyzeLayer(model.getLayer('SR'), { energies: [0.95] });
    // The premise: 0.95 energy of a flat 12-value spectrum needs all 12 ranks.
    expect(sr.ranks[0].rank).toBe(12);
    const before = tf.memory().numTensors;
    const { model: converted, report } = await lowRankConvert(model, {
      layers: [
        { layer: 'feat', energy: 0.95 },
        { layer: 'SR', energy: 0.95 },
      ],
    });
    const [feat, kept] = report.layers;
    // feat: 1 - 0.25^3 >= 0.95 > 1 - 0.25^2, so rank 3: 3 * (36 + 16) + 16 params < 9*4*16 + 16.
    expect(feat).toMatchObject({
      outcome: 'converted',
      rank: 3,
      paramsBefore: 9 * 4 * 16 + 16,
      paramsAfter: 3 * (36 + 16) + 16,
      newLayers: ['feat_lr_a', 'feat'],
    });
    // SR: rank 12 would cost 12 * (144 + 12) + 12 = 1,884 params against 9*16*12 + 12 = 1,740.
    // Its input size is open, so MACs are counted at a nominal 64 x 64 (x16 channels).
    expect(kept).toMatchObject({
      outcome: 'no-gain',
      rank: 12,
      paramsBefore: 1740,
      paramsAfter: 1740,
      newLayers: ['SR'],
      comparison: {
        paramsOriginal: 1740,
        paramsFactorized: 1884,
        macsOriginal: 64 * 64 * 9 * 16 * 12,
        macsFactorized: 64 * 64 * (9 * 16 * 12 + 12 * 12),
        macsInputShape: [64, 64, 16],
        nominalInputShape: true,
      },
    });
    // The layer itself is kept: same class, same weights.
    expect(converted.getLayer('SR').getClassName()).toBe('Conv2D');
    expect(Array.from(await converted.getLayer('SR').getWeights()[0].data())).toEqual(
      Array.from(srKernel),
    );
    expect(converted.layers.map((l) => l.name)).not.toContain('SR_lr_a');
    expect(report.paramsAfter).toBe(model.countParams() - feat.paramsBefore + feat.paramsAfter);
    const md = conversionReportMarkdown(report);
    expect(md).toContain('| SR | Conv2D | svd | 12 / 12, kept (no gain) |');
    expect(md).toContain(
      'SR: no gain, kept as it was. Its factorization has 1,884 params and 7,667,712 MACs, the layer 1,740 params and 7,077,888 MACs (MACs per sample at input 64x64x16 (nominal)).',
    );
    converted.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('counts MACs at the given input size, and keeps a layer whose factorization has fewer params but more MACs', async () => {
    // A stride-3 transposed conv 16 -> 16: its rank-r pair runs the 1x1 conv on the 3x larger
    // output, 9*h*w*r*16 MACs more, while its params shrink as soon as r < 2304/160.
    const x = tf.input({ shape: [5, 7, 16] });
    const up = tf.layers.conv2dTranspose({
      filters: 16,
      kernelSize: 3,
      strides: 3,
      padding: 'same',
      name: 'up',
    });
    const model = tf.model({ inputs: x, outputs: up.apply(x) as tf.SymbolicTensor });
    const hw = 5 * 7;
    const original = { params: 9 * 16 * 16 + 16, macs: hw * 9 * 16 * 16 };
    const pairCost = (r: number) => ({
      params: r * (9 * 16 + 16) + 16,
      macs: hw * 9 * 16 * r + 9 * hw * r * 16,
    });

    const high = await lowRankConvert(model, { layers: [{ layer: 'up', rank: 12 }] });
    expect(pairCost(12).params).toBeLessThan(original.params);
    expect(pairCost(12).macs).toBeGreaterThan(original.macs);
    expect(high.report.layers[0]).toMatchObject({
      outcome: 'no-gain',
      newLayers: ['up'],
      comparison: {
        paramsOriginal: original.params,
        paramsFactorized: pairCost(12).params,
        macsOriginal: original.macs,
        macsFactorized: pairCost(12).macs,
        macsInputShape: [5, 7, 16],
        nominalInputShape: false,
      },
    });
    expect(high.report.macsAfter).toBe(original.macs);
    high.model.dispose();

    const low = await lowRankConvert(model, { layers: [{ layer: 'up', rank: 4 }] });
    expect(pairCost(4).macs).toBeLessThan(original.macs);
    expect(low.report.layers[0]).toMatchObject({
      outcome: 'converted',
      newLayers: ['up_lr_a', 'up'],
      paramsAfter: pairCost(4).params,
      macsBefore: original.macs,
      macsAfter: pairCost(4).macs,
    });
    low.model.dispose();
    model.dispose();
  });
});
