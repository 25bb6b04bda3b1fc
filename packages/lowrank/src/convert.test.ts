import * as tf from '@tensorflow/tfjs';
import { GroupedConv2D, pixelShuffle2D } from '@hsrkit/layers';
import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { roundTrip } from '../test/node-io.js';
import { analyzeLayer, svdParams } from './analyze-layer.js';
import { convertModel, lowRankConvert } from './convert.js';
import { LowRankPlanError, LowRankReportError } from './errors.js';
import { outputError } from './output-error.js';
import { describeKernelLayer } from './kernel-layer.js';
import type { ConversionPlan } from './plan.js';
import reference from '../fixtures/svd-reference.json' with { type: 'json' };

function input(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

async function outputs(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const y = model.predict(x);
  const list = Array.isArray(y) ? y : [y];
  const out = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(list);
  return out;
}

/** A one-layer model around `layer` with random (seeded) weights. */
function single(layer: tf.layers.Layer, shape: number[], seed: number): tf.LayersModel {
  const x = tf.input({ shape });
  const model = tf.model({ inputs: x, outputs: layer.apply(x) as tf.SymbolicTensor });
  const w = layer.getWeights().map((t, i) => tf.tensor(seededValues(t.size, seed + i), t.shape));
  layer.setWeights(w);
  tf.dispose(w);
  return model;
}

/**
 * Converts with the no-gain rule off (at full rank the pair is exact but never smaller) and
 * checks that the converted model's outputs are the original's.
 */
/** A 3x3 'same' conv 'up' (4 -> 8 channels) on 6x6 inputs, seeded weights. */
function upConvModel(): tf.LayersModel {
  const up = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'up' });
  return single(up, [6, 6, 4], 3);
}

async function expectExact(
  model: tf.LayersModel,
  plan: ConversionPlan,
  x: tf.Tensor | tf.Tensor[],
) {
  const { model: converted, report } = await convertModel(model, plan, {}, 'swap-always');
  const a = await outputs(model, x);
  const b = await outputs(converted, x);
  for (let i = 0; i < a.length; i++) expect(maxAbsDiff(b[i], a[i])).toBeLessThan(1e-4);
  return { converted, report };
}

describe('lowRankConvert', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('svd at full rank leaves the output unchanged for every layer kind it converts', async () => {
    const x4 = input([2, 7, 7, 4], 1);
    const cases: [
      tf.layers.Layer,
      number[],
      tf.Tensor,
      Omit<ConversionPlan['layers'][number], 'layer'>,
    ][] = [
      [
        tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
        [7, 7, 4],
        x4,
        { rank: 6 },
      ],
      [
        tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid' }),
        [7, 7, 4],
        x4,
        { rank: 12, form: 'spatial' },
      ],
      [
        tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' }),
        [7, 7, 4],
        x4,
        { rank: 12, form: 'spatial' },
      ],
      [
        tf.layers.conv2d({ filters: 6, kernelSize: [3, 1], dilationRate: 2, padding: 'same' }),
        [7, 7, 4],
        x4,
        { energy: 1 },
      ],
      [
        tf.layers.dense({ units: 7, activation: 'tanh' }),
        [3, 10],
        input([2, 3, 10], 2),
        { rank: 7 },
      ],
      [
        tf.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' }),
        [7, 7, 4],
        x4,
        { rank: 6 },
      ],
      [
        new GroupedConv2D({ filters: 9, kernelSize: 3, groups: 3 }),
        [7, 7, 6],
        input([2, 7, 7, 6], 3),
        { rank: 3 },
      ],
    ];
    let seed = 10;
    for (const [layer, shape, x, entry] of cases) {
      const model = single(layer, shape, seed++);
      const { converted, report } = await expectExact(
        model,
        { layers: [{ layer: layer.name, ...entry }] },
        x,
      );
      const l = report.layers[0];
      expect(l.retainedEnergy).toBeCloseTo(1, 6);
      expect(l.newLayers).toEqual([`${layer.name}_lr_a`, layer.name]);
      expect(converted.getLayer(layer.name).outputShape).toEqual(
        model.getLayer(layer.name).outputShape,
      );
      expect(l.paramsAfter).toBe(converted.countParams() - (model.countParams() - l.paramsBefore));
      expect(l.paramsAfter).toBeGreaterThan(l.paramsBefore);
      // Full rank never pays (r * (rows + cols) > rows * cols): lowRankConvert keeps the layer.
      const kept = await lowRankConvert(model, { layers: [{ layer: layer.name, ...entry }] });
      expect(kept.report.layers[0]).toMatchObject({
        outcome: 'no-gain',
        paramsAfter: l.paramsBefore,
        newLayers: [layer.name],
      });
      expect(kept.report.layers[0].comparison.paramsFactorized).toBe(l.paramsAfter);
      expect(kept.model.layers.map((k) => k.name)).toEqual(model.layers.map((k) => k.name));
      kept.model.dispose();
      converted.dispose();
      model.dispose();
    }
    x4.dispose();
  });

  it('truncation: the kernel loses exactly the discarded energy and the output error shrinks with rank', async () => {
    const c = reference.cases.conv2d; // rank 2 plus noise, [3,3,4,6]
    const layer = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'conv' });
    const model = single(layer, [8, 8, 4], 5);
    const k = tf.tensor(c.kernel, c.shape);
    layer.setWeights([k, layer.getWeights()[1]]);
    const x = input([2, 8, 8, 4], 6);
    const ref = (await outputs(model, x))[0];
    let lastMse = Number.POSITIVE_INFINITY;
    const kernel = Float32Array.from(c.kernel);
    const norm = kernel.reduce((a, v) => a + v * v, 0);
    for (let r = 1; r <= 6; r++) {
      const { model: m, report } = await convertModel(
        model,
        { layers: [{ layer: 'conv', rank: r }] },
        {},
        'swap-always',
      );
      // Effective kernel A (3x3x4xr) times B (r x 6).
      const eff = tf.tidy(() =>
        tf.matMul(
          tf.reshape(m.getLayer('conv_lr_a').getWeights()[0], [36, r]),
          tf.reshape(m.getLayer('conv').getWeights()[0], [r, 6]),
        ),
      );
      const e = await eff.data();
      eff.dispose();
      let err = 0;
      for (let i = 0; i < e.length; i++) err += (e[i] - kernel[i]) ** 2;
      expect(err / norm).toBeCloseTo(1 - report.layers[0].retainedEnergy, 5);
      const y = (await outputs(m, x))[0];
      let mse = 0;
      for (let i = 0; i < y.length; i++) mse += (y[i] - ref[i]) ** 2;
      expect(mse).toBeLessThanOrEqual(lastMse + 1e-9);
      lastMse = mse;
      m.dispose();
    }
    expect(lastMse).toBeLessThan(1e-8);
    tf.dispose([k, x]);
    model.dispose();
  });

  it('chooses ranks by explicit r, by energy, and by a params budget for the model', async () => {
    const x = tf.input({ shape: [null, null, 8] as unknown as number[] });
    const a = tf.layers
      .conv2d({ filters: 16, kernelSize: 3, padding: 'same', name: 'a' })
      .apply(x) as tf.SymbolicTensor;
    const b = tf.layers
      .conv2d({ filters: 12, kernelSize: 3, padding: 'same', name: 'b' })
      .apply(a) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: b });
    // Give 'a' a decaying spectrum so ranks differ by threshold.
    const wa = tf.tidy(() => {
      const u = tf.tensor(seededValues(72 * 16, 1), [72, 16]);
      const s = tf.tensor(Array.from({ length: 16 }, (_, i) => 0.7 ** i));
      return tf.reshape(tf.mul(u, s), [3, 3, 8, 16]);
    });
    model.getLayer('a').setWeights([wa, tf.zeros([16])]);
    wa.dispose();

    const explicit = await lowRankConvert(model, { layers: [{ layer: 'a', rank: 5 }] });
    expect(explicit.report.layers[0]).toMatchObject({ rank: 5, rankSource: 'rank', fullRank: 16 });
    explicit.model.dispose();

    const analysis = await analyzeLayer(model.getLayer('a'), { energies: [0.95] });
    const byEnergy = await lowRankConvert(model, { layers: [{ layer: 'a', energy: 0.95 }] });
    expect(byEnergy.report.layers[0].rank).toBe(analysis.ranks[0].rank);
    expect(byEnergy.report.layers[0].retainedEnergy).toBeGreaterThanOrEqual(0.95);
    expect(byEnergy.report.layers[0].paramsAfter).toBe(analysis.ranks[0].params);
    byEnergy.model.dispose();

    const budget = 2000;
    const byBudget = await lowRankConvert(model, {
      layers: [{ layer: 'a' }, { layer: 'b' }],
      paramsBudget: budget,
    });
    const rep = byBudget.report;
    expect(rep.paramsAfter).toBe(byBudget.model.countParams());
    expect(rep.paramsAfter).toBeLessThanOrEqual(budget);
    // Tight: one more rank in any layer not at full rank would break the budget.
    for (const l of rep.layers) {
      expect(l.rankSource).toBe('budget');
      const info = describeKernelLayer(model.getLayer(l.layer))!;
      if (l.rank! < l.fullRank!)
        expect(
          rep.paramsAfter + svdParams(info, l.rank! + 1) - svdParams(info, l.rank!),
        ).toBeGreaterThan(budget);
    }
    // The decaying layer 'a' needs fewer ranks for its energy than the flat-spectrum 'b'.
    expect(rep.layers[0].retainedEnergy).toBeGreaterThan(rep.layers[1].retainedEnergy);
    byBudget.model.dispose();
    model.dispose();
  });

  it('rebuilds functional graphs: two inputs, Add, Concatenate, a shared layer, two outputs', async () => {
    const i1 = tf.input({ shape: [6, 6, 3], name: 'in1' });
    const i2 = tf.input({ shape: [6, 6, 3], name: 'in2' });
    const shared = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'shared' });
    const s1 = shared.apply(i1) as tf.SymbolicTensor;
    const s2 = shared.apply(i2) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([s1, s2]) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([sum, s1]) as tf.SymbolicTensor;
    const up = tf.layers
      .conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'up' })
      .apply(cat) as tf.SymbolicTensor;
    const y = pixelShuffle2D({ scale: 2, name: 'shuffle' }).apply(up) as tf.SymbolicTensor;
    const side = tf.layers.dense({ units: 4, name: 'side' }).apply(sum) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [i1, i2], outputs: [y, side, s2] });
    const xs = [input([2, 6, 6, 3], 1), input([2, 6, 6, 3], 2)];
    const { converted } = await expectExact(
      model,
      {
        layers: [
          { layer: 'shared', rank: 5 },
          { layer: 'up', rank: 8 },
          { layer: 'side', rank: 4 },
        ],
      },
      xs,
    );
    expect(converted.layers.map((l) => l.name)).toEqual(
      expect.arrayContaining([
        'shared_lr_a',
        'shared',
        'up_lr_a',
        'up',
        'side_lr_a',
        'side',
        'sum',
        'cat',
      ]),
    );
    // The shared pair is still shared: each of its layers is called twice.
    expect((converted.getLayer('shared_lr_a') as any).inboundNodes).toHaveLength(2);
    expect(converted.outputs.map((o) => o.sourceLayer.name)).toEqual(['shuffle', 'side', 'shared']);
    converted.dispose();
    model.dispose();
    tf.dispose(xs);
  });

  it('converts Sequential models, the first layer included (it keeps the input shape)', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [5, 5, 3],
          filters: 6,
          kernelSize: 3,
          padding: 'same',
          name: 'c1',
          activation: 'relu',
        }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 4, name: 'fc' }),
      ],
    });
    const x = input([2, 5, 5, 3], 3);
    const { converted } = await expectExact(
      model,
      {
        layers: [
          { layer: 'c1', rank: 6 },
          { layer: 'fc', rank: 4 },
        ],
      },
      x,
    );
    expect(converted).toBeInstanceOf(tf.Sequential);
    expect(converted.layers.map((l) => l.name)).toEqual(['c1_lr_a', 'c1', 'flat', 'fc_lr_a', 'fc']);
    converted.dispose();
    model.dispose();
    x.dispose();
  });

  it("method 'group' keeps the block-diagonal part in one grouped conv (plus the activation)", async () => {
    const conv = tf.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      name: 'up',
      activation: 'relu',
    });
    const model = single(conv, [6, 6, 4], 7);
    const { model: m, report } = await lowRankConvert(model, {
      layers: [{ layer: 'up', method: 'group', groups: 2 }],
    });
    expect(report.layers[0].newLayers).toEqual(['up_lr_a', 'up']);
    expect(m.getLayer('up_lr_a').getClassName()).toBe('HsrkitGroupedConv2D');
    expect(m.getLayer('up').getClassName()).toBe('Activation');
    expect(report.layers[0].paramsAfter).toBe(3 * 3 * 2 * 8 + 8);
    // Reference: the original conv with its off-diagonal blocks zeroed.
    const [k, bias] = conv.getWeights();
    const mask = tf.tidy(() => {
      const m = new Float32Array(3 * 3 * 4 * 8);
      for (let p = 0; p < 9; p++)
        for (let c = 0; c < 4; c++)
          for (let o = 0; o < 8; o++)
            m[(p * 4 + c) * 8 + o] = Math.floor(c / 2) === Math.floor(o / 4) ? 1 : 0;
      return tf.mul(k, tf.tensor(m, k.shape));
    });
    const x = input([2, 6, 6, 4], 8);
    const want = tf.tidy(() =>
      tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, mask as tf.Tensor4D, 1, 'same'), bias)),
    );
    expect(maxAbsDiff((await outputs(m, x))[0], await want.data())).toBeLessThan(1e-5);
    const kd = (await k.data()) as Float32Array;
    const md = (await mask.data()) as Float32Array;
    expect(report.layers[0].retainedEnergy).toBeCloseTo(
      md.reduce((a, v) => a + v * v, 0) / kd.reduce((a, v) => a + v * v, 0),
      6,
    );
    tf.dispose([mask, x, want]);
    m.dispose();
    model.dispose();
  });

  it('converted models save and load like any model, names and outputs kept', async () => {
    const model = upConvModel();
    const x = input([1, 6, 6, 4], 4);
    for (const plan of [
      { layers: [{ layer: 'up', rank: 3 }] },
      { layers: [{ layer: 'up', method: 'group' as const, groups: 4 }] },
    ]) {
      const { model: m } = await lowRankConvert(model, plan);
      const loaded = await roundTrip(m);
      expect(loaded.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
      expect(maxAbsDiff((await outputs(loaded, x))[0], (await outputs(m, x))[0])).toBe(0);
      loaded.dispose();
      m.dispose();
    }
    model.dispose();
    x.dispose();
  });

  it('leaves the input model untouched and leaks no tensors', async () => {
    const model = upConvModel();
    const topology = JSON.stringify(model.toJSON(null, false));
    const weights = await Promise.all(model.getWeights().map((w) => w.data()));
    const x = input([1, 6, 6, 4], 9);
    const before = tf.memory().numTensors;
    const { model: m, report } = await lowRankConvert(
      model,
      { layers: [{ layer: 'up', rank: 2 }] },
      { calibration: x },
    );
    expect(report.output).toHaveLength(1);
    // Writing into the converted model does not reach the original.
    const z = m
      .getLayer('up')
      .getWeights()
      .map((w) => tf.zerosLike(w));
    m.getLayer('up').setWeights(z);
    tf.dispose(z);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.stringify(model.toJSON(null, false))).toBe(topology);
    const after = await Promise.all(model.getWeights().map((w) => w.data()));
    for (let i = 0; i < after.length; i++) expect(maxAbsDiff(after[i], weights[i])).toBe(0);
    expect(model.layers).toHaveLength(2);
    model.dispose();
    x.dispose();
  });

  it('reports params, MACs and the output error (PSNR, max abs) on a calibration batch', async () => {
    const model = upConvModel();
    const x = input([2, 6, 6, 4], 11);
    const { model: m, report } = await lowRankConvert(
      model,
      { layers: [{ layer: 'up', rank: 2 }] },
      { calibration: x },
    );
    expect(report.paramsBefore).toBe(model.countParams());
    expect(report.paramsAfter).toBe(2 * 36 + 2 * 8 + 8);
    expect(report.paramsRatio).toBeCloseTo(report.paramsBefore / report.paramsAfter, 12);
    expect(report.macsBefore).toBe(36 * 9 * 4 * 8);
    expect(report.macsAfter).toBe(36 * (9 * 4 * 2 + 2 * 8));
    expect(report.layers[0]).toMatchObject({
      macsBefore: report.macsBefore,
      macsAfter: report.macsAfter,
    });
    expect(report.flopsAfter).toBe(2 * report.macsAfter!);
    // A calibration batch that does not fit the model is refused with the shapes named.
    const wrong = tf.zeros([1, 6, 6, 3]);
    const count = tf.memory().numTensors;
    await expect(
      lowRankConvert(model, { layers: [{ layer: 'up', rank: 2 }] }, { calibration: wrong }),
    ).rejects.toThrow(
      /calibration input 0 has shape \[1,6,6,3\] but the model expects \[null,6,6,4\]/,
    );
    expect(tf.memory().numTensors).toBe(count);
    await expect(outputError(model, m, [x, x])).rejects.toThrow(LowRankReportError);
    wrong.dispose();
    const a = (await outputs(model, x))[0];
    const b = (await outputs(m, x))[0];
    let mse = 0;
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    for (let i = 0; i < a.length; i++) {
      mse += (a[i] - b[i]) ** 2 / a.length;
      hi = Math.max(hi, a[i]);
      lo = Math.min(lo, a[i]);
    }
    const o = report.output![0];
    expect(o.maxAbs).toBeCloseTo(maxAbsDiff(a, b), 6);
    expect(o.psnr).toBeCloseTo(10 * Math.log10((hi - lo) ** 2 / mse), 3);
    expect(o.layer).toBe('up');
    m.dispose();
    model.dispose();
    x.dispose();
  });

  it('refuses bad plans with a LowRankPlanError that says what is available', async () => {
    const x = tf.input({ shape: [6, 6, 4] });
    const c = tf.layers
      .conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'conv' })
      .apply(x) as tf.SymbolicTensor;
    const d = tf.layers
      .depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' })
      .apply(c) as tf.SymbolicTensor;
    const n = tf.layers.batchNormalization({ name: 'bn' }).apply(d) as tf.SymbolicTensor;
    const f = tf.layers.dense({ units: 3, name: 'fc' }).apply(n) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: f });
    const bad = async (plan: unknown, pattern: RegExp, field?: string) => {
      const err = await lowRankConvert(model, plan as ConversionPlan).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(LowRankPlanError);
      expect(err.message).toMatch(pattern);
      if (field) expect(err.field).toBe(field);
    };
    await bad(
      { layers: [{ layer: 'nope', rank: 1 }] },
      /no layer 'nope'.*convertible layers: conv \(Conv2D\), fc \(Dense\)/,
      'layer',
    );
    await bad({ layers: [{ layer: 'conv', rank: 7 }] }, /rank 7 .*\[1, 6\]/, 'rank');
    await bad({ layers: [{ layer: 'conv', rank: 0 }] }, /rank 0/, 'rank');
    await bad({ layers: [{ layer: 'conv', rank: 2.5 }] }, /rank 2.5/, 'rank');
    await bad(
      { layers: [{ layer: 'dw', rank: 1 }] },
      /DepthwiseConv2D, which cannot be converted.*conv \(Conv2D\)/,
      'layer',
    );
    await bad(
      { layers: [{ layer: 'bn', rank: 1 }] },
      /BatchNormalization, which cannot be converted/,
      'layer',
    );
    await bad(
      { layers: [{ layer: 'fc', method: 'group', groups: 2 }] },
      /Conv2D layers only/,
      'method',
    );
    await bad(
      { layers: [{ layer: 'conv', method: 'group', groups: 4 }] },
      /dividing both Cin=4 and Cout=6/,
      'groups',
    );
    await bad({ layers: [{ layer: 'conv', method: 'group' }] }, /'groups' >= 2/, 'groups');
    await bad({ layers: [{ layer: 'conv', energy: 0 }] }, /energy must be in \(0, 1\]/, 'energy');
    await bad({ layers: [{ layer: 'conv', energy: 0.9, rank: 2 }] }, /not both/, 'rank');
    await bad({ layers: [{ layer: 'conv' }] }, /give 'rank' \(1\.\.6\), 'energy'/, 'rank');
    await bad(
      { layers: [{ layer: 'fc', form: 'spatial', rank: 1 }] },
      /'spatial' form converts Conv2D/,
      'form',
    );
    await bad({ layers: [{ layer: 'conv', method: 'prune' }] }, /unknown method 'prune'/, 'method');
    await bad(
      {
        layers: [
          { layer: 'conv', rank: 1 },
          { layer: 'conv', rank: 2 },
        ],
      },
      /twice/,
      'layer',
    );
    await bad({ layers: [] }, /lists no layers.*conv \(Conv2D\)/, 'layers');
    await bad(
      { layers: [{ layer: 'conv' }], paramsBudget: 10 },
      /paramsBudget 10 cannot be met/,
      'paramsBudget',
    );
    await bad({ layers: [{ layer: 'conv' }], paramsBudget: -1 }, /positive number/, 'paramsBudget');
    model.dispose();
  });
});
