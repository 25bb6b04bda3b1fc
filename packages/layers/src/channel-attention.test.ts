import { describeBackends, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { ChannelAttention, applyChannelAttention, channelAttention } from './channel-attention.js';
import { LayerConfigError } from './errors.js';
import { describeOnCpu, expectGradients, expectSgdStepLowersLoss } from './test-support.js';

const N = 2;
const H = 3;
const W = 4;
const C = 8;
const R = 4; // hidden width 2

interface Params {
  x: Float64Array;
  down: Float64Array; // [C, R]
  downBias: Float64Array;
  up: Float64Array; // [R, C]
  upBias: Float64Array;
}

/** The SE definition in float64 loops: GAP, dense, ReLU, dense, sigmoid, scale. */
function attentionLoops(p: Params, hidden = C / R): Float64Array {
  const y = new Float64Array(p.x.length);
  for (let b = 0; b < N; b++) {
    const mean = new Float64Array(C);
    for (let i = 0; i < H * W; i++)
      for (let c = 0; c < C; c++) mean[c] += p.x[(b * H * W + i) * C + c];
    for (let c = 0; c < C; c++) mean[c] /= H * W;
    const h = new Float64Array(hidden);
    for (let r = 0; r < hidden; r++) {
      let s = p.downBias[r];
      for (let c = 0; c < C; c++) s += mean[c] * p.down[c * hidden + r];
      h[r] = Math.max(0, s);
    }
    for (let c = 0; c < C; c++) {
      let s = p.upBias[c];
      for (let r = 0; r < hidden; r++) s += h[r] * p.up[r * C + c];
      const gate = 1 / (1 + Math.exp(-s));
      for (let i = 0; i < H * W; i++)
        y[(b * H * W + i) * C + c] = p.x[(b * H * W + i) * C + c] * gate;
    }
  }
  return y;
}

const params: Params = {
  x: Float64Array.from(seededValues(N * H * W * C, 101)),
  down: Float64Array.from(seededValues(C * (C / R), 102)),
  downBias: Float64Array.from(seededValues(C / R, 103)),
  up: Float64Array.from(seededValues((C / R) * C, 104)),
  upBias: Float64Array.from(seededValues(C, 105)),
};
const probe = seededValues(N * H * W * C, 106);

/** Central differences of sum(y * probe) on the float64 loops: the gradient to match. */
function numericGradient(key: keyof Params): Float64Array {
  const out = new Float64Array(params[key].length);
  const eps = 1e-6;
  const lossAt = () => attentionLoops(params).reduce((s, v, i) => s + v * probe[i], 0);
  for (let i = 0; i < out.length; i++) {
    const keep = params[key][i];
    params[key][i] = keep + eps;
    const plus = lossAt();
    params[key][i] = keep - eps;
    const minus = lossAt();
    params[key][i] = keep;
    out[i] = (plus - minus) / (2 * eps);
  }
  return out;
}

describeBackends('applyChannelAttention', (backend) => {
  const tensors = () => ({
    x: tf.tensor4d(Float32Array.from(params.x), [N, H, W, C]),
    downKernel: tf.tensor2d(Float32Array.from(params.down), [C, C / R]),
    downBias: tf.tensor1d(Float32Array.from(params.downBias)),
    upKernel: tf.tensor2d(Float32Array.from(params.up), [C / R, C]),
    upBias: tf.tensor1d(Float32Array.from(params.upBias)),
  });

  it(`forward equals the loop definition (${backend})`, async () => {
    const t = tensors();
    const y = applyChannelAttention(t.x, t);
    expect(maxAbsDiff(await y.data(), attentionLoops(params))).toBeLessThan(1e-5);
    tf.dispose([y, ...Object.values(t)]);
  });

  it(`gradients match central differences of the float64 definition (${backend})`, async () => {
    const keys: (keyof Params)[] = ['x', 'down', 'downBias', 'up', 'upBias'];
    await expectGradients(
      (x, dk, db, uk, ub) =>
        applyChannelAttention(x as tf.Tensor4D, {
          downKernel: dk as tf.Tensor2D,
          downBias: db as tf.Tensor1D,
          upKernel: uk as tf.Tensor2D,
          upBias: ub as tf.Tensor1D,
        }),
      () => {
        const t = tensors();
        return {
          inputs: [t.x, t.downKernel, t.downBias, t.upKernel, t.upBias],
          dy: tf.tensor4d(probe, [N, H, W, C]),
        };
      },
      keys.map((k) => numericGradient(k)),
      1e-4,
      keys,
    );
  });

  it(`the layer trains: one SGD step lowers the loss (${backend})`, async () => {
    await expectSgdStepLowersLoss(channelAttention({ reduction: 4 }), [N, H, W, C], 1, 11);
  });
});

describeOnCpu('ChannelAttention layer', () => {
  it('has the contract weights and equals the loops with those weights', async () => {
    const layer = new ChannelAttention({ reduction: R, name: 'ca' });
    expect(layer.computeOutputShape([null, 5, 5, C])).toEqual([null, 5, 5, C]);
    const x = tf.tensor4d(Float32Array.from(params.x), [N, H, W, C]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['ca/down_kernel', [C, 2]],
      ['ca/down_bias', [2]],
      ['ca/up_kernel', [2, C]],
      ['ca/up_bias', [C]],
    ]);
    tf.tidy(() =>
      layer.setWeights([
        tf.tensor2d(Float32Array.from(params.down), [C, 2]),
        tf.tensor1d(Float32Array.from(params.downBias)),
        tf.tensor2d(Float32Array.from(params.up), [2, C]),
        tf.tensor1d(Float32Array.from(params.upBias)),
      ]),
    );
    const before = tf.memory().numTensors;
    const y = layer.apply(x) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(maxAbsDiff(await y.data(), attentionLoops(params))).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('hidden width is floor(C / r), at least 1; default r = 16', () => {
    for (const [c, r, hidden] of [
      [64, 16, 4],
      [20, 16, 1],
      [8, 16, 1],
      [30, 4, 7],
    ]) {
      const layer = channelAttention(r === 16 ? {} : { reduction: r });
      const x = tf.zeros([1, 2, 2, c]);
      tf.dispose(layer.apply(x) as tf.Tensor);
      expect(layer.getWeights()[0].shape).toEqual([c, hidden]);
      x.dispose();
      layer.dispose();
    }
  });

  it('getConfig round-trips; bad reduction throws LayerConfigError', () => {
    const layer = channelAttention({ reduction: 8, biasInitializer: 'ones' });
    const config = layer.getConfig();
    const [cls, fromConfig] =
      tf.serialization.SerializationMap.getMap().classNameMap[ChannelAttention.className];
    expect((fromConfig(cls, config) as ChannelAttention).getConfig()).toEqual(config);
    expect(config.reduction).toBe(8);
    expect(() => channelAttention({ reduction: 0 })).toThrow(LayerConfigError);
    expect(() => channelAttention({ reduction: 2.5 })).toThrow(/reduction/);
  });
});
