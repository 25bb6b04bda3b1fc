// Shared by the layer tests (not a test file itself).
import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect } from 'vitest';

/**
 * The layer trains: one SGD step at `learningRate` on the mean squared error between
 * `layer(x)` and a target lowers that error, and the step leaves no tensor behind. x and the
 * target are seeded values (`seed`, `seed + 1`) of the input and output shapes. Disposes the
 * layer.
 */
export async function expectSgdStepLowersLoss(
  layer: tf.layers.Layer,
  inputShape: number[],
  learningRate: number,
  seed: number,
): Promise<void> {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const outputShape = layer.computeOutputShape(inputShape) as number[];
  const x = tf.tensor(seededValues(size(inputShape), seed), inputShape);
  const target = tf.tensor(seededValues(size(outputShape), seed + 1), outputShape);
  const loss = () => tf.mean(tf.square(tf.sub(layer.apply(x) as tf.Tensor, target))) as tf.Scalar;
  const lossValue = async () => {
    const l = loss();
    const v = (await l.data())[0];
    l.dispose();
    return v;
  };
  const before = await lossValue();
  const optimizer = tf.train.sgd(learningRate);
  await expectNoLeak(() => tf.dispose(optimizer.minimize(loss, true) ?? []), 'sgd step');
  expect(await lossValue()).toBeLessThan(before);
  optimizer.dispose();
  tf.dispose([x, target]);
  layer.dispose();
}

/** `describe(title + ' (cpu)')` whose tests run on the cpu backend. */
export function describeOnCpu(title: string, body: () => void): void {
  describe(`${title} (cpu)`, () => {
    beforeAll(async () => {
      await useBackend('cpu');
    });
    body();
  });
}

/**
 * A stride-1 conv with 'same' padding (the odd pad after, as TF and PyTorch do) on an NHWC
 * input of `shape`, written from the definition: output channel o belongs to group
 * floor(o / (cout / groups)) and reads that group's cin / groups input channels; tap (p, q)
 * reads input (i - top + p * dilation, j - left + q * dilation). The weight is stored as
 * `layout` says: 'tf-depthwise' [kh, kw, C, 1] (one group per channel), 'pytorch'
 * [Cout, Cin/g, kh, kw].
 */
export interface LoopConv {
  shape: [number, number, number, number];
  cout: number;
  groups: number;
  kh: number;
  kw: number;
  dilation: number;
  layout: 'tf-depthwise' | 'pytorch';
}

/**
 * A stride-1 'same' dilated depthwise conv (TF puts the odd pad after): one group per channel,
 * kernel [kh, kw, C, 1].
 */
export function depthwiseConv(
  shape: LoopConv['shape'],
  kh: number,
  kw: number,
  d: number,
): LoopConv {
  return { shape, cout: shape[3], groups: shape[3], kh, kw, dilation: d, layout: 'tf-depthwise' };
}

/**
 * PyTorch's conv2d(groups=g) on an NHWC image with a PyTorch-layout weight [Cout, Cin/g, k, k]:
 * y[o] = b[o] + sum over the input channels of o's group. 'same' padding, the odd pad after
 * (PyTorch padding='same' does the same).
 */
export function pytorchGroupedConv(
  shape: LoopConv['shape'],
  cout: number,
  k: number,
  groups: number,
): LoopConv {
  return { shape, cout, groups, kh: k, kw: k, dilation: 1, layout: 'pytorch' };
}

/** Where the weight of output o, group input channel ci and tap (p, q) is stored. */
function weightIndexer(conv: LoopConv): (o: number, ci: number, p: number, q: number) => number {
  const { kh, kw, cout } = conv;
  const ig = conv.shape[3] / conv.groups;
  return conv.layout === 'tf-depthwise'
    ? (o, _ci, p, q) => (p * kw + q) * cout + o
    : (o, ci, p, q) => ((o * ig + ci) * kh + p) * kw + q;
}

/** Visits every (output, input, weight) index triple of the conv's sum, in a fixed order. */
function forEachTap(
  conv: LoopConv,
  visit: (yi: number, xi: number, wi: number, o: number) => void,
): void {
  const [n, h, w, cin] = conv.shape;
  const { cout, groups, kh, kw, dilation: d } = conv;
  const ig = cin / groups;
  const og = cout / groups;
  const top = Math.floor((d * (kh - 1)) / 2);
  const left = Math.floor((d * (kw - 1)) / 2);
  const weightIndex = weightIndexer(conv);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) {
          const yi = ((b * h + i) * w + j) * cout + o;
          const group = Math.floor(o / og);
          for (let ci = 0; ci < ig; ci++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const ii = i - top + p * d;
                const jj = j - left + q * d;
                if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
                visit(
                  yi,
                  ((b * h + ii) * w + jj) * cin + group * ig + ci,
                  weightIndex(o, ci, p, q),
                  o,
                );
              }
        }
}

/** y = conv(x) (+ bias), in float64. */
export function convLoops(
  x: Float32Array,
  weight: Float32Array,
  conv: LoopConv,
  bias?: Float32Array,
): Float64Array {
  const [n, h, w] = conv.shape;
  const y = new Float64Array(n * h * w * conv.cout);
  if (bias) for (let k = 0; k < y.length; k++) y[k] = bias[k % conv.cout];
  forEachTap(conv, (yi, xi, wi) => {
    y[yi] += x[xi] * weight[wi];
  });
  return y;
}

/** The adjoint of convLoops for the loss sum(y * g): dx and dWeight (in the weight's layout). */
export function convGradLoops(
  x: Float32Array,
  weight: Float32Array,
  g: Float32Array,
  conv: LoopConv,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(weight.length);
  forEachTap(conv, (yi, xi, wi) => {
    dx[xi] += g[yi] * weight[wi];
    dw[wi] += g[yi] * x[xi];
  });
  return { dx, dw };
}

/**
 * The gradients of L = sum(op(...inputs) * dy) with respect to every input: each has its input's
 * shape and is within `tolerance` (max relative difference) of `expected[i]`, and nothing leaks.
 * `tensors` makes the inputs and dy; they are disposed here.
 */
export async function expectGradients(
  op: (...inputs: tf.Tensor[]) => tf.Tensor,
  tensors: () => { inputs: tf.Tensor[]; dy: tf.Tensor },
  expected: ArrayLike<number>[],
  tolerance = 1e-5,
  labels: string[] = [],
): Promise<void> {
  await expectNoLeak(async () => {
    const { inputs, dy } = tensors();
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(op(...xs), dy)))(inputs);
    for (const [i, grad] of grads.entries()) {
      expect(grad.shape, labels[i]).toEqual(inputs[i].shape);
      expect(maxRelDiff(await grad.data(), expected[i]), labels[i]).toBeLessThan(tolerance);
    }
    tf.dispose([...inputs, dy, ...grads]);
  }, 'gradients');
}
