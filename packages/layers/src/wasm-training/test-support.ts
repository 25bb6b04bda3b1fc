// Shared by the wasm backprop kernel tests (not a test file itself).
import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

export type Shape4D = [number, number, number, number];

/** One forward conv whose gradients a test checks. */
export interface ConvCase {
  name: string;
  x: Shape4D;
  filter: Shape4D;
  strides: [number, number];
  pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
}

/** Conv2D geometries for both Conv2D backprop kernels: pointwise, strided, uneven and explicit pads. */
export const CONV2D_CASES: ConvCase[] = [
  {
    name: '3x3 same stride 1, batch 2',
    x: [2, 7, 6, 5],
    filter: [3, 3, 5, 4],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: '1x1 pointwise, batch 3',
    x: [3, 5, 4, 6],
    filter: [1, 1, 6, 7],
    strides: [1, 1],
    pad: 'valid',
  },
  { name: '1x1 stride 2', x: [2, 7, 6, 3], filter: [1, 1, 3, 2], strides: [2, 2], pad: 'valid' },
  {
    name: '3x3 valid stride 2, unread last row',
    x: [2, 10, 9, 3],
    filter: [3, 3, 3, 4],
    strides: [2, 2],
    pad: 'valid',
  },
  {
    name: '5x3 same stride (2,1)',
    x: [2, 8, 7, 3],
    filter: [5, 3, 3, 2],
    strides: [2, 1],
    pad: 'same',
  },
  {
    name: '2x2 same (uneven padding)',
    x: [1, 6, 5, 2],
    filter: [2, 2, 2, 3],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: '3x3 explicit pads',
    x: [2, 6, 7, 2],
    filter: [3, 3, 2, 3],
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
];

/** The forward Conv2D geometry of a case (no dilation). */
export function conv2dInfo(c: ConvCase): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
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
