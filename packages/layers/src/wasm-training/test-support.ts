// Shared by the wasm backprop kernel tests (not a test file itself).
import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect } from 'vitest';
import { registerWasmTrainingKernels } from './stand-in-kernels.js';

export type Shape4D = [number, number, number, number];

/** One forward conv whose gradients a test checks. */
export interface ConvCase {
  name: string;
  x: Shape4D;
  filter: Shape4D;
  strides: [number, number];
  pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
  dilations: [number, number];
}

/** A case from its fields in ConvCase's order (no dilation unless given). */
export function convCase(
  name: string,
  x: Shape4D,
  filter: Shape4D,
  strides: [number, number],
  pad: ConvCase['pad'],
  dilations: [number, number] = [1, 1],
): ConvCase {
  return { name, x, filter, strides, pad, dilations };
}

/** Conv2D geometries for both Conv2D backprop kernels: pointwise, strided, uneven and explicit pads. */
export const CONV2D_CASES: ConvCase[] = [
  convCase('3x3 same stride 1, batch 2', [2, 7, 6, 5], [3, 3, 5, 4], [1, 1], 'same'),
  convCase('1x1 pointwise, batch 3', [3, 5, 4, 6], [1, 1, 6, 7], [1, 1], 'valid'),
  convCase('1x1 stride 2', [2, 7, 6, 3], [1, 1, 3, 2], [2, 2], 'valid'),
  convCase('3x3 valid stride 2, unread last row', [2, 10, 9, 3], [3, 3, 3, 4], [2, 2], 'valid'),
  convCase('5x3 same stride (2,1)', [2, 8, 7, 3], [5, 3, 3, 2], [2, 1], 'same'),
  convCase('2x2 same (uneven padding)', [1, 6, 5, 2], [2, 2, 2, 3], [1, 1], 'same'),
  convCase(
    '3x3 explicit pads',
    [2, 6, 7, 2],
    [3, 3, 2, 3],
    [1, 1],
    [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  ),
];

/** The forward geometry of a case: a Conv2D, or with `depthwise` a DepthwiseConv2dNative. */
export function conv2dInfo(c: ConvCase, depthwise = false): tf.backend_util.Conv2DInfo {
  const { x, filter, strides, dilations, pad } = c;
  return tf.backend_util.computeConv2DInfo(
    x,
    filter,
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
  );
}

/**
 * Calls visit(xPixel, dyPixel, tap) for every tap of the case's forward conv that reads inside the
 * image: xPixel, the flat index of the sample read, [n, i*sh + a*dh - top, j*sw + b*dw - left];
 * dyPixel, that of the output [n, i, j]; tap, a*kw + b. Direct-loop references build on it.
 */
export function forEachTap(
  c: ConvCase,
  visit: (xPixel: number, dyPixel: number, tap: number) => void,
): void {
  const { outHeight: ho, outWidth: wo, padInfo } = conv2dInfo(c);
  const [n, h, w] = c.x;
  const [kh, kw] = c.filter;
  for (let b0 = 0; b0 < n; b0++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const r = i * c.strides[0] + a * c.dilations[0] - padInfo.top;
            const col = j * c.strides[1] + b * c.dilations[1] - padInfo.left;
            if (r >= 0 && r < h && col >= 0 && col < w)
              visit((b0 * h + r) * w + col, (b0 * ho + i) * wo + j, a * kw + b);
          }
}

/** A tensor's values and shape: made into a tensor only while a kernel runs (kernelValues). */
export interface Values {
  values: Float32Array;
  shape: number[];
}

/** Seeded x, filter and dy (of the forward output's shape) of a case, from `seed` on. */
export function seededGradInputs(
  c: ConvCase,
  seed: number,
  depthwise = false,
): Record<'x' | 'filter' | 'dy', Values> {
  const shapes = { x: c.x, filter: c.filter, dy: conv2dInfo(c, depthwise).outShape };
  const entries = Object.entries(shapes).map(([name, shape], i) => [
    name,
    { values: seededOfShape(shape, seed + i), shape },
  ]);
  return Object.fromEntries(entries);
}

/** Makes the calling describe block's tests run on wasm with registerWasmTrainingKernels(). */
export function onWasmWithTrainingKernels(): void {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
  });
}

/**
 * Runs `kernel` (by default the registered one, runOneKernel) on the current backend on tensors
 * made from `inputs`; checks the output's shape and returns its values, leaving nothing allocated.
 */
export async function kernelValues(
  kernel: string,
  inputs: Record<string, Values>,
  attrs: Record<string, unknown>,
  outShape: number[],
  run = runOneKernel,
): Promise<Float32Array> {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { values, shape }] of Object.entries(inputs))
    tensors[name] = tf.tensor(values, shape);
  const out = run(kernel, tensors, attrs);
  try {
    expect(out.shape).toEqual(outShape);
    return (await out.data()) as Float32Array;
  } finally {
    tf.dispose([out, ...Object.values(tensors)]);
  }
}

/** Runs a kernel by name on the current backend (one output). */
export function runOneKernel(
  kernel: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Seeded values filling a tensor of the given shape. */
export function seededOfShape(shape: number[], seed: number): Float32Array {
  return seededValues(
    shape.reduce((p, v) => p * v),
    seed,
  );
}

/** Runs fn on the cpu backend, then switches back to wasm. */
export async function onCpu<T>(fn: () => Promise<T>): Promise<T> {
  await useBackend('cpu');
  const out = await fn();
  await useBackend('wasm');
  return out;
}

/**
 * Checks tf.grads of sum(conv(x, f)^2) for both x and f on wasm (without leaks) against the cpu
 * backend, with inputs seeded by seeds[0] and seeds[1].
 */
export async function expectGradsMatchCpu(
  label: string,
  xShape: Shape4D,
  filterShape: Shape4D,
  seeds: [number, number],
  conv: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D,
): Promise<void> {
  const xv = seededOfShape(xShape, seeds[0]);
  const fv = seededOfShape(filterShape, seeds[1]);
  const grads = async () => {
    const x = tf.tensor4d(xv, xShape);
    const f = tf.tensor4d(fv, filterShape);
    const g = tf.grads((a, b) =>
      conv(a as tf.Tensor4D, b as tf.Tensor4D)
        .square()
        .sum(),
    );
    const [dx, df] = g([x, f]);
    const out = [await dx.data(), await df.data()];
    tf.dispose([x, f, dx, df]);
    return out;
  };
  const cpu = await onCpu(grads);
  const wasm = await expectNoLeak(grads, label);
  expect(maxRelDiff(wasm[0], cpu[0])).toBeLessThan(1e-4);
  expect(maxRelDiff(wasm[1], cpu[1])).toBeLessThan(1e-4);
}
