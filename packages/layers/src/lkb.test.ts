import { describeBackends, maxAbsDiff, maxRelDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { LayerConfigError } from './errors.js';
import { describeOnCpu, expectSgdStepLowersLoss } from './test-support.js';
import { LargeKernelBlock, type LargeKernelBlockArgs, largeKernelBlock } from './lkb.js';

// ---- An independent LKB in float64 loops, written from the spec (not from lkb.ts) ----

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): a smooth stand-in for the exact erf. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

interface Spec {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  dilations: number[];
  groups: number;
  hidden: number;
}

/** Weights in the layer's order: dw{t} kernel+bias..., fuse kernel+bias, ca down/up kernel+bias. */
function weightShapes(s: Spec): number[][] {
  const shapes: number[][] = [];
  for (const _ of s.dilations) shapes.push([s.k, s.k, s.c, 1], [s.c]);
  const stacked = (s.dilations.length + 1) * s.c;
  shapes.push([1, 1, stacked / s.groups, s.c], [s.c]);
  shapes.push([s.c, s.hidden], [s.hidden], [s.hidden, s.c], [s.c]);
  return shapes;
}

function lkbLoops(s: Spec, x: Float64Array, weights: Float64Array[]): Float64Array {
  const { n, h, w, c, k, groups, hidden } = s;
  const px = h * w;
  const idx = (b: number, i: number, j: number, ch: number) => ((b * h + i) * w + j) * c + ch;
  // Cascade of dilated depthwise convs, 'same' padding.
  const stages: Float64Array[] = [x];
  s.dilations.forEach((d, t) => {
    const f = weights[2 * t];
    const bias = weights[2 * t + 1];
    const prev = stages[stages.length - 1];
    const pad = Math.floor((d * (k - 1)) / 2);
    const out = new Float64Array(x.length);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let ch = 0; ch < c; ch++) {
            let acc = bias[ch];
            for (let p = 0; p < k; p++)
              for (let q = 0; q < k; q++) {
                const ii = i - pad + p * d;
                const jj = j - pad + q * d;
                if (ii >= 0 && jj >= 0 && ii < h && jj < w)
                  acc += prev[idx(b, ii, jj, ch)] * f[(p * k + q) * c + ch];
              }
            out[idx(b, i, j, ch)] = acc;
          }
    stages.push(out);
  });
  const m = stages.length; // n+1
  const wi = 2 * s.dilations.length;
  const fuseK = weights[wi];
  const fuseB = weights[wi + 1];
  const [caDown, caDownB, caUp, caUpB] = weights.slice(wi + 2);
  const inPerGroup = (m * c) / groups;
  const outPerGroup = c / groups;
  const y = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    // interleaved channel q = ch*m + t of the stack reads stages[t][.., ch]
    const fused = new Float64Array(px * c);
    for (let p = 0; p < px; p++)
      for (let o = 0; o < c; o++) {
        const g = Math.floor(o / outPerGroup);
        let acc = fuseB[o];
        for (let r = 0; r < inPerGroup; r++) {
          const q = g * inPerGroup + r;
          const stage = stages[q % m];
          acc += stage[(b * px + p) * c + Math.floor(q / m)] * fuseK[r * c + o];
        }
        fused[p * c + o] = 0.5 * acc * (1 + erf(acc / Math.SQRT2));
      }
    const mean = new Float64Array(c);
    for (let p = 0; p < px; p++) for (let o = 0; o < c; o++) mean[o] += fused[p * c + o] / px;
    const hid = new Float64Array(hidden);
    for (let r = 0; r < hidden; r++) {
      let acc = caDownB[r];
      for (let o = 0; o < c; o++) acc += mean[o] * caDown[o * hidden + r];
      hid[r] = Math.max(0, acc);
    }
    for (let o = 0; o < c; o++) {
      let acc = caUpB[o];
      for (let r = 0; r < hidden; r++) acc += hid[r] * caUp[r * c + o];
      const gate = 1 / (1 + Math.exp(-acc));
      for (let p = 0; p < px; p++)
        y[(b * px + p) * c + o] = x[(b * px + p) * c + o] + fused[p * c + o] * gate;
    }
  }
  return y;
}

interface Fixture {
  spec: Spec;
  args: LargeKernelBlockArgs;
  x: Float64Array;
  weights: Float64Array[];
  probe: Float32Array;
}

function fixture(spec: Spec, args: LargeKernelBlockArgs, seed: number): Fixture {
  const size = spec.n * spec.h * spec.w * spec.c;
  return {
    spec,
    args,
    x: Float64Array.from(seededValues(size, seed)),
    weights: weightShapes(spec).map((shape, i) =>
      Float64Array.from(
        seededValues(
          shape.reduce((a, b) => a * b, 1),
          seed + 1 + i,
        ),
      ),
    ),
    probe: seededValues(size, seed + 100),
  };
}

const FIXTURES: Fixture[] = [
  fixture(
    { n: 1, h: 10, w: 10, c: 8, k: 3, dilations: [5, 7], groups: 4, hidden: 2 },
    { reduction: 4 }, // the paper's block: k 3, dilations [5, 7], 4 fusion groups
    200,
  ),
  fixture(
    { n: 2, h: 6, w: 7, c: 6, k: 5, dilations: [1, 2, 1], groups: 2, hidden: 1 },
    { kernelSize: 5, dilations: [1, 2, 1], fusionGroups: 2 },
    300,
  ),
];

/**
 * Central differences of sum(lkb(x) * probe) on the float64 loops: every weight entry and every
 * 7th input entry. Backend-independent, so computed once per fixture.
 */
const numericCache = new Map<Fixture, { weights: Float64Array[]; x: number[]; xPicks: number[] }>();
function numericGradients(f: Fixture) {
  const cached = numericCache.get(f);
  if (cached) return cached;
  const xs = Float64Array.from(f.x);
  const ws = f.weights.map((v) => Float64Array.from(v));
  const lossOf = () => lkbLoops(f.spec, xs, ws).reduce((s, v, i) => s + v * f.probe[i], 0);
  const central = (target: Float64Array, i: number) => {
    const eps = 1e-5;
    const keep = target[i];
    target[i] = keep + eps;
    const plus = lossOf();
    target[i] = keep - eps;
    const minus = lossOf();
    target[i] = keep;
    return (plus - minus) / (2 * eps);
  };
  const xPicks = [...Array(xs.length).keys()].filter((i) => i % 7 === 0);
  const result = {
    weights: ws.map((w) => w.map((_, i) => central(w, i))),
    x: xPicks.map((i) => central(xs, i)),
    xPicks,
  };
  numericCache.set(f, result);
  return result;
}

function buildLayer(f: Fixture): LargeKernelBlock {
  const { n, h, w, c } = f.spec;
  const layer = largeKernelBlock(f.args);
  const shapes = weightShapes(f.spec);
  tf.tidy(() => {
    layer.apply(tf.zeros([n, h, w, c]));
    layer.setWeights(f.weights.map((v, i) => tf.tensor(Float32Array.from(v), shapes[i])));
  });
  return layer;
}

describeBackends('LargeKernelBlock', (backend) => {
  for (const f of FIXTURES) {
    const { n, h, w, c, k, dilations, groups } = f.spec;
    const tag = `[${n},${h},${w},${c}] k${k} d[${dilations}] g${groups}`;

    it(`forward equals the float64 loop composition ${tag} (${backend})`, async () => {
      const layer = buildLayer(f);
      const x = tf.tensor4d(Float32Array.from(f.x), [n, h, w, c]);
      const before = tf.memory().numTensors;
      const y = layer.apply(x) as tf.Tensor;
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(maxAbsDiff(await y.data(), lkbLoops(f.spec, f.x, f.weights))).toBeLessThan(2e-5);
      tf.dispose([x, y]);
      layer.dispose();
    });

    it(`gradients match central differences of the loops ${tag} (${backend})`, async () => {
      const layer = buildLayer(f);
      const x = tf.tensor4d(Float32Array.from(f.x), [n, h, w, c]);
      const probe = tf.tensor4d(f.probe, [n, h, w, c]);
      const loss = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar;
      const tensorsBefore = tf.memory().numTensors;
      const { grads, value } = tf.variableGrads(loss);
      // nothing but the loss and one gradient per weight survives
      expect(tf.memory().numTensors).toBe(tensorsBefore + 1 + layer.trainableWeights.length);
      const dx = tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(layer.apply(input) as tf.Tensor, probe)),
      )(x);
      const want = numericGradients(f);
      const names = layer.trainableWeights.map((v) => v.name);
      for (let t = 0; t < names.length; t++)
        expect(maxRelDiff(await grads[names[t]].data(), want.weights[t]), names[t]).toBeLessThan(
          5e-4,
        );
      const gotX = await dx.data();
      expect(
        maxRelDiff(
          want.xPicks.map((i) => gotX[i]),
          want.x,
        ),
      ).toBeLessThan(5e-4);
      tf.dispose([x, probe, value, dx, ...Object.values(grads)]);
      layer.dispose();
    });
  }

  it(`trains without extra kernels: one SGD step lowers the loss (${backend})`, async () => {
    await expectSgdStepLowersLoss(largeKernelBlock({ reduction: 4 }), [1, 8, 8, 8], 0.1, 401);
  });
});

describeOnCpu('LargeKernelBlock layer', () => {
  it('one LKB at C = 64 with the defaults has exactly 4996 parameters, named per contract', () => {
    const layer = largeKernelBlock({ name: 'lkb' });
    const x = tf.zeros([1, 4, 4, 64]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.countParams()).toBe(4996);
    expect(layer.weights.map((v) => [v.originalName, v.shape])).toEqual([
      ['lkb/dw1_kernel', [3, 3, 64, 1]],
      ['lkb/dw1_bias', [64]],
      ['lkb/dw2_kernel', [3, 3, 64, 1]],
      ['lkb/dw2_bias', [64]],
      ['lkb/fuse_kernel', [1, 1, 48, 64]],
      ['lkb/fuse_bias', [64]],
      ['lkb/ca_down_kernel', [64, 4]],
      ['lkb/ca_down_bias', [4]],
      ['lkb/ca_up_kernel', [4, 64]],
      ['lkb/ca_up_bias', [64]],
    ]);
    expect(layer.computeOutputShape([null, 32, 32, 64])).toEqual([null, 32, 32, 64]);
    x.dispose();
    layer.dispose();
  });

  it('getConfig round-trips through fromConfig', () => {
    const layer = largeKernelBlock({
      kernelSize: 5,
      dilations: [2, 3, 4],
      fusionGroups: 8,
      reduction: 8,
      activation: 'relu',
      name: 'block',
    });
    const config = layer.getConfig();
    expect(config).toMatchObject({
      kernelSize: 5,
      dilations: [2, 3, 4],
      fusionGroups: 8,
      reduction: 8,
      activation: 'relu',
    });
    const [cls, fromConfig] =
      tf.serialization.SerializationMap.getMap().classNameMap[LargeKernelBlock.className];
    expect((fromConfig(cls, config) as LargeKernelBlock).getConfig()).toEqual(config);
  });

  it('bad config throws LayerConfigError naming the field (and the shape at build)', () => {
    const bad: [LargeKernelBlockArgs, RegExp][] = [
      [{ dilations: [] }, /dilations/],
      [{ dilations: [5, 0] }, /dilations\[1\]/],
      [{ kernelSize: 0 }, /kernelSize/],
      [{ fusionGroups: 1.5 }, /fusionGroups/],
      [{ reduction: -1 }, /reduction/],
      [{ activation: 'swish' as 'gelu' }, /activation/],
    ];
    for (const [args, pattern] of bad) {
      expect(() => largeKernelBlock(args)).toThrow(LayerConfigError);
      expect(() => largeKernelBlock(args)).toThrow(pattern);
    }
    const layer = largeKernelBlock({ fusionGroups: 4 });
    expect(() => layer.build([null, 8, 8, 6])).toThrow(LayerConfigError);
    expect(() => layer.build([null, 8, 8, 6])).toThrow(
      /fusionGroups.*6 input channels.*\[null, 8, 8, 6\]/,
    );
  });
});
