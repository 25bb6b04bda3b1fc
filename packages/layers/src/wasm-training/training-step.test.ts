import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS, WasmTrainingError } from './index.js';
import { WasmKernelError } from '../wasm-core/errors.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';

// A miniature LKCA-Net step written with stock tf ops only: conv 3x3 and 1x1 (+bias), dilated
// depthwise convs, a grouped 1x1 conv from slices + concat, exact-erf GELU, channel attention
// (mean, ReLU, sigmoid), a dilation-1 depthwise conv, PixelShuffle from reshape + transpose, a
// separable matMul upscaling of the input, a residual add, and the L1 loss.
const N = 2;
const H = 6;
const W = 5;
const B = 3;
const C = 8;
const S = 2;
const GROUPS = 2;

const SHAPES: Record<string, number[]> = {
  input: [N, H, W, B],
  head: [3, 3, B, C],
  headBias: [C],
  dw1: [3, 3, C, 1],
  dw2: [3, 3, C, 1],
  fuse: [1, 1, (3 * C) / GROUPS, C],
  fuseBias: [C],
  caDown: [1, 1, C, C / 4],
  caDownBias: [C / 4],
  caUp: [1, 1, C / 4, C],
  caUpBias: [C],
  dw3: [3, 3, C, 1],
  up: [3, 3, C, B * S * S],
};

type Dilated = (x: tf.Tensor4D, f: tf.Tensor4D, d: number) => tf.Tensor4D;

/** Dilated 'same' depthwise conv from differentiable stock ops (space-to-batch): the reference. */
const dilatedBySpaceToBatch: Dilated = (x, f, d) => {
  const [, h, w] = x.shape;
  const reach = d * (f.shape[0] >> 1);
  const hp = Math.ceil((h + 2 * reach) / d) * d;
  const wp = Math.ceil((w + 2 * reach) / d) * d;
  const blocks = tf.spaceToBatchND(
    x,
    [d, d],
    [
      [reach, hp - h - reach],
      [reach, wp - w - reach],
    ],
  );
  const y = tf.depthwiseConv2d(blocks as tf.Tensor4D, f, 1, 'valid');
  return tf.batchToSpaceND(
    y,
    [d, d],
    [
      [0, hp - 2 * reach - h],
      [0, wp - 2 * reach - w],
    ],
  ) as tf.Tensor4D;
};

/** The fast form: the direct dilated op, its gradient from the kernels this module registers. */
const dilatedByKernels: Dilated = (x, f, d) =>
  tf.customGrad(((xi: tf.Tensor, fi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, fi]);
    return {
      value: tf.depthwiseConv2d(xi as tf.Tensor4D, fi as tf.Tensor4D, 1, 'same', 'NHWC', [d, d]),
      gradFunc: (dy: tf.Tensor, [xs, fs]: tf.Tensor[]) => {
        const attrs = { strides: 1, dilations: d, pad: 'same' };
        return [
          tf
            .engine()
            .runKernel(
              tf.DepthwiseConv2dNativeBackpropInput,
              { dy, filter: fs },
              { ...attrs, inputShape: xs.shape },
            ),
          tf
            .engine()
            .runKernel(
              tf.DepthwiseConv2dNativeBackpropFilter,
              { x: xs, dy },
              { ...attrs, filterShape: fs.shape },
            ),
        ] as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0])(x, f) as tf.Tensor4D;

/** MATLAB-free stand-in for bicubic: a fixed linear interpolation matrix [outLen, inLen]. */
function upscaleMatrix(inLen: number): tf.Tensor2D {
  const out = inLen * S;
  const m = new Float32Array(out * inLen);
  for (let o = 0; o < out; o++) {
    const src = Math.min(inLen - 1, Math.max(0, (o + 0.5) / S - 0.5));
    const lo = Math.floor(src);
    const hi = Math.min(inLen - 1, lo + 1);
    m[o * inLen + lo] += 1 - (src - lo);
    m[o * inLen + hi] += src - lo;
  }
  return tf.tensor2d(m, [out, inLen]);
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

function forward(v: Record<string, tf.Variable>, dilated: Dilated): tf.Tensor4D {
  const x = v.input as tf.Tensor4D;
  const f0 = tf.add(tf.conv2d(x, v.head as tf.Tensor4D, 1, 'same'), v.headBias) as tf.Tensor4D;
  const a = dilated(f0, v.dw1 as tf.Tensor4D, 2);
  const b = dilated(a, v.dw2 as tf.Tensor4D, 3);
  const m = tf.reshape(tf.stack([f0, a, b], 4), [N, H, W, 3 * C]) as tf.Tensor4D;
  const width = (3 * C) / GROUPS;
  const groups = [];
  for (let g = 0; g < GROUPS; g++) {
    const kernel = tf.slice(v.fuse, [0, 0, 0, (g * C) / GROUPS], [1, 1, width, C / GROUPS]);
    const part = tf.slice(m, [0, 0, 0, g * width], [N, H, W, width]);
    groups.push(tf.conv2d(part, kernel as tf.Tensor4D, 1, 'valid'));
  }
  const fused = gelu(tf.add(tf.concat(groups, 3), v.fuseBias)) as tf.Tensor4D;
  const pooled = tf.mean(fused, [1, 2], true) as tf.Tensor4D;
  const down = tf.relu(
    tf.add(tf.conv2d(pooled, v.caDown as tf.Tensor4D, 1, 'valid'), v.caDownBias),
  ) as tf.Tensor4D;
  const gate = tf.sigmoid(tf.add(tf.conv2d(down, v.caUp as tf.Tensor4D, 1, 'valid'), v.caUpBias));
  const lkb = tf.add(f0, tf.mul(fused, gate)) as tf.Tensor4D;
  const body = tf.depthwiseConv2d(lkb, v.dw3 as tf.Tensor4D, 1, 'same');
  const up = tf.conv2d(body, v.up as tf.Tensor4D, 1, 'same');
  const shuffled = tf.reshape(
    tf.transpose(tf.reshape(up, [N, H, W, S, S, B]), [0, 1, 3, 2, 4, 5]),
    [N, H * S, W * S, B],
  );
  const mh = upscaleMatrix(H);
  const mw = upscaleMatrix(W);
  // Upscale rows then columns of the input with matMuls on [.., len] views.
  const rows = tf.matMul(tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [-1, H]), mh, false, true);
  const rowsBack = tf.transpose(tf.reshape(rows, [N, W, B, H * S]), [0, 3, 1, 2]);
  const cols = tf.matMul(
    tf.reshape(tf.transpose(rowsBack, [0, 1, 3, 2]), [-1, W]),
    mw,
    false,
    true,
  );
  const upscaled = tf.transpose(tf.reshape(cols, [N, H * S, B, W * S]), [0, 1, 3, 2]);
  return tf.add(shuffled, upscaled) as tf.Tensor4D;
}

function makeVariables(): Record<string, tf.Variable> {
  const v: Record<string, tf.Variable> = {};
  let seed = 100;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((p, q) => p * q, 1);
    const scale = name === 'input' ? 1 : 1 / Math.sqrt(n / shape[shape.length - 1]);
    const values = seededValues(n, seed++);
    // A positive bias keeps the attention's ReLU open, so its gradient is not all zeros.
    const offset = name === 'caDownBias' ? 1 : 0;
    v[name] = tf.tidy(() =>
      tf.variable(tf.add(tf.mul(tf.tensor(values, shape), scale), offset), true, `${name}_${seed}`),
    );
  }
  return v;
}

function l1(v: Record<string, tf.Variable>, target: tf.Tensor, dilated: Dilated): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(forward(v, dilated), target)));
}

async function gradients(dilated: Dilated): Promise<Record<string, Float32Array>> {
  const v = makeVariables();
  const target = tf.tensor4d(seededValues(N * H * S * W * S * B, 7), [N, H * S, W * S, B]);
  const { value, grads } = tf.variableGrads(() => l1(v, target, dilated), Object.values(v));
  const out: Record<string, Float32Array> = { loss: (await value.data()) as Float32Array };
  for (const [name, variable] of Object.entries(v))
    out[name] = (await grads[variable.name].data()) as Float32Array;
  tf.dispose([value, target, ...Object.values(grads), ...Object.values(v)]);
  return out;
}

describe('an LKCA-style training step on wasm after registerWasmTrainingKernels()', () => {
  let cpu: Record<string, Float32Array>;
  beforeAll(async () => {
    await useBackend('cpu');
    cpu = await gradients(dilatedBySpaceToBatch);
    await useBackend('wasm');
  });
  afterAll(() => registerWasmTrainingKernels());

  it('cannot take the gradient of a conv on stock wasm', async () => {
    registerWasmTrainingKernels();
    for (const { kernelName } of WASM_TRAINING_KERNELS) tf.unregisterKernel(kernelName, 'wasm');
    try {
      const x = tf.ones([1, 4, 4, 2]);
      const f = tf.ones([3, 3, 2, 2]);
      expect(() =>
        tf.grad((w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum())(f),
      ).toThrow(/Conv2DBackpropFilter/);
      tf.dispose([x, f]);
    } finally {
      registerWasmTrainingKernels();
    }
  });

  it('throws WasmKernelError when the wasm backend is not loaded', () => {
    // Simulate "not imported": without wasm's forward Conv2D there is nothing to build on.
    const conv2d = tf.getKernel(tf.Conv2D, 'wasm');
    expect(conv2d).toBeDefined();
    tf.unregisterKernel(tf.Conv2D, 'wasm');
    try {
      expect(() => registerWasmTrainingKernels()).toThrow(WasmKernelError);
      // The deprecated name still matches what is thrown.
      expect(() => registerWasmTrainingKernels()).toThrow(WasmTrainingError);
      expect(() => registerWasmTrainingKernels()).toThrow(
        /import '@tensorflow\/tfjs-backend-wasm'/,
      );
    } finally {
      if (conv2d) tf.registerKernel(conv2d);
    }
  });

  it('registers only what is missing, idempotently', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')?.kernelFunc).toBe(
      conv2DBackpropFilterWasm,
    );
    // A kernel wasm already has is not replaced.
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).not.toBe(
      conv2DBackpropFilterWasm,
    );
    for (const { kernelName, kernelFunc } of WASM_TRAINING_KERNELS)
      expect(tf.getKernel(kernelName, 'wasm')?.kernelFunc).toBe(kernelFunc);
  });

  for (const replaceSlowKernels of [false, true]) {
    it(`gives every gradient of the step the cpu backend numbers to 1e-4 relative (replaceSlowKernels: ${replaceSlowKernels})`, async () => {
      registerWasmTrainingKernels({ replaceSlowKernels });
      try {
        const wasm = await expectNoLeak(() => gradients(dilatedByKernels), 'training step');
        expect(Object.keys(wasm)).toEqual(Object.keys(cpu));
        for (const name of Object.keys(cpu)) {
          const rel = maxRelDiff(wasm[name], cpu[name]);
          expect(rel, `${name}: max rel diff ${rel}`).toBeLessThan(1e-4);
          // A gradient that is all zeros would pass trivially: make sure each one carries signal.
          if (name !== 'loss')
            expect(Math.max(...cpu[name].map(Math.abs)), name).toBeGreaterThan(1e-6);
        }
      } finally {
        restoreStockWasmKernels();
      }
    });
  }

  it('runs Adam steps that lower the loss without leaking tensors', async () => {
    registerWasmTrainingKernels();
    const v = makeVariables();
    const target = tf.tensor4d(seededValues(N * H * S * W * S * B, 7), [N, H * S, W * S, B]);
    const optimizer = tf.train.adam(1e-2);
    const losses: number[] = [];
    // Adam's slot variables appear on the first step; count leaks from the second on.
    const step = async () => {
      const loss = optimizer.minimize(() => l1(v, target, dilatedByKernels), true) as tf.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
    };
    await step();
    await expectNoLeak(async () => {
      for (let i = 0; i < 4; i++) await step();
    }, 'adam steps');
    expect(losses[4]).toBeLessThan(losses[0]);
    optimizer.dispose();
    tf.dispose([target, ...Object.values(v)]);
  });
});
