import * as tf from '@tensorflow/tfjs';
import { GroupedConv2D } from '@hsrkit/layers';
import { expectNoLeak, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeLayer, svdParams } from './analyze-layer.js';
import { LowRankAnalysisError } from './errors.js';
import { describeKernelLayer } from './kernel-layer.js';
import reference from '../fixtures/svd-reference.json' with { type: 'json' };

const cases = reference.cases;

/** `layer` built on `inputShape`, holding the reference case's kernel (and zero bias). */
function built(
  layer: tf.layers.Layer,
  inputShape: number[],
  reference: { kernel: number[]; shape: number[] },
) {
  layer.apply(tf.input({ shape: inputShape }));
  const w = layer.getWeights();
  const values = [
    tf.tensor(reference.kernel, reference.shape),
    ...w.slice(1).map((t) => tf.zerosLike(t)),
  ];
  layer.setWeights(values);
  tf.dispose(values);
  return layer;
}

function expectSpectrum(got: ArrayLike<number>, want: number[]) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
}

describe('analyzeLayer', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('Conv2D: flat and spatial spectra match numpy, with ranks, knee, params and MACs', async () => {
    const c = cases.conv2d;
    const layer = built(
      tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same' }),
      [5, 5, 4],
      c,
    );
    const flat = await expectNoLeak(() => analyzeLayer(layer));
    expect(flat.kind).toBe('conv2d');
    expect(flat.matrixShape).toEqual([36, 6]);
    expectSpectrum(flat.singularValues, c.flat);
    expect(flat.fullRank).toBe(6);
    // The kernel is rank 2 plus small noise: 90 % of the energy sits in 2 values.
    expect(flat.ranks[0]).toEqual({ energy: 0.9, rank: 2, params: 2 * 36 + 2 * 6 + 6 });
    expect(flat.knee).toBe(2);
    expect(flat.params).toBe(3 * 3 * 4 * 6 + 6);
    expect(flat.inputShape).toEqual([5, 5, 4]);
    expect(flat.macs).toBe(5 * 5 * 9 * 4 * 6);
    expect(flat.flops).toBe(2 * flat.macs!);
    const spatial = await analyzeLayer(layer, { form: 'spatial', energies: [0.5] });
    expect(spatial.matrixShape).toEqual([12, 18]);
    expectSpectrum(spatial.singularValues, c.spatial);
    expect(spatial.ranks).toHaveLength(1);
    expect(spatial.ranks[0].params).toBe(spatial.ranks[0].rank * (12 + 18) + 6);
  });

  it('Dense, Conv2DTranspose, DepthwiseConv2D and GroupedConv2D match numpy', async () => {
    const d = cases.dense;
    const dense = built(tf.layers.dense({ units: 7 }), [3, 10], d);
    const ad = await analyzeLayer(dense);
    expectSpectrum(ad.singularValues, d.flat);
    expect(ad.macs).toBe(3 * 10 * 7);
    await expect(analyzeLayer(dense, { form: 'spatial' })).rejects.toThrow(LowRankAnalysisError);

    const t = cases.conv2dTranspose;
    const convT = built(
      tf.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' }),
      [5, 5, 4],
      t,
    );
    const at = await analyzeLayer(convT);
    expect(at.matrixShape).toEqual([36, 6]);
    expectSpectrum(at.singularValues, t.flat);
    expectSpectrum((await analyzeLayer(convT, { form: 'spatial' })).singularValues, t.spatial);
    expect(at.macs).toBe(5 * 5 * 9 * 4 * 6);

    const w = cases.depthwise;
    const dw = built(
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      [5, 5, 5],
      w,
    );
    const aw = await analyzeLayer(dw);
    expect(aw.kind).toBe('depthwise');
    expect(aw.matrixShape).toEqual([9, 10]);
    expectSpectrum(aw.singularValues, w.flat);
    expect(aw.ranks[0].params).toBeNull();
    expectSpectrum((await analyzeLayer(dw, { form: 'spatial' })).singularValues, w.spatial);
    expect(aw.macs).toBe(5 * 5 * 9 * 10);

    const g = cases.grouped;
    const grouped = built(
      new GroupedConv2D({ filters: 9, kernelSize: 3, groups: 3 }),
      [5, 5, 6],
      g,
    );
    const ag = await analyzeLayer(grouped);
    expect(ag.kind).toBe('grouped');
    expect(ag.blocks).toBe(3);
    expect(ag.matrixShape).toEqual([18, 3]);
    // The union of the per-group spectra is the spectrum of the dense block-diagonal kernel.
    const union = ag.groupSingularValues!.flatMap((s) => Array.from(s)).sort((a, b) => b - a);
    expectSpectrum(union, g.denseFlat.slice(0, union.length));
    for (const z of g.denseFlat.slice(union.length)) expect(z).toBeLessThan(1e-9);
    // RMS over groups: its energy is what rank r in every group keeps.
    const e1 =
      ag.groupSingularValues!.reduce((a, s) => a + s[0] ** 2, 0) /
      union.reduce((a, v) => a + v * v, 0);
    expect(ag.energy[0]).toBeCloseTo(e1, 12);
    expect(ag.macs).toBe(5 * 5 * 9 * 2 * 9);
    const info = describeKernelLayer(grouped)!;
    expect(svdParams(info, 2)).toBe(2 * (9 * 6 + 9) + 9);
  });

  it('refuses a layer without a kernel and bad thresholds', async () => {
    const bn = tf.layers.batchNormalization();
    bn.apply(tf.input({ shape: [4, 4, 3] }));
    await expect(analyzeLayer(bn)).rejects.toThrow(/BatchNormalization.*no kernel/);
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1 });
    conv.apply(tf.input({ shape: [4, 4, 3] }));
    await expect(analyzeLayer(conv, { energies: [1.5] })).rejects.toThrow(LowRankAnalysisError);
  });
});
