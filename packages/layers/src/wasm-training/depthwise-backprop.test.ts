import { expectNoLeak, maxRelDiff } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  type ConvCase,
  convCase,
  expectGradsMatchCpu,
  forEachTap,
  kernelValues,
  onCpu,
  onWasmWithTrainingKernels,
  runOneKernel,
  seededGradInputs,
} from './test-support.js';

const EXPLICIT_PADS: tf.backend_util.ExplicitPadding = [
  [0, 0],
  [3, 1],
  [0, 2],
  [0, 0],
];

const CASES: ConvCase[] = [
  convCase('3x3 same, batch 2', [2, 7, 6, 3], [3, 3, 3, 1], [1, 1], 'same'),
  convCase('LKB 3x3 dilation 5', [2, 12, 12, 4], [3, 3, 4, 1], [1, 1], 'same', [5, 5]),
  convCase(
    'LKB 3x3 dilation 7, reach beyond the image',
    [2, 10, 9, 3],
    [3, 3, 3, 1],
    [1, 1],
    'same',
    [7, 7],
  ),
  convCase('3x3 valid dilation (2,3)', [1, 9, 10, 2], [3, 3, 2, 1], [1, 1], 'valid', [2, 3]),
  convCase('3x3 same stride 2', [2, 9, 8, 3], [3, 3, 3, 1], [2, 2], 'same'),
  convCase('2x2 valid stride 2, unread row', [2, 7, 6, 2], [2, 2, 2, 1], [2, 2], 'valid'),
  convCase('5x3 same stride (1,2)', [1, 8, 9, 2], [5, 3, 2, 1], [1, 2], 'same'),
  convCase('channel multiplier 2', [2, 6, 7, 3], [3, 3, 3, 2], [1, 1], 'same'),
  convCase('multiplier 3, dilation 3', [2, 9, 8, 2], [3, 3, 2, 3], [1, 1], 'same', [3, 3]),
  convCase('explicit pads, dilation 2', [2, 8, 7, 2], [3, 3, 2, 1], [1, 1], EXPLICIT_PADS, [2, 2]),
];

/**
 * The depthwise conv y[n,i,j,c*M+m] = sum_{a,b} x[n, i*sh + a*dh - top, j*sw + b*dw - left, c] f[a,b,c,m]
 * differentiated term by term: every (output, tap) pair adds dy*f to dx and dy*x to df.
 */
function referenceGrads(c: ConvCase, x: Float32Array, f: Float32Array, dy: Float32Array) {
  const [, , ch, mult] = c.filter;
  const dx = new Float32Array(x.length);
  const df = new Float64Array(f.length);
  forEachTap(c, (xPixel, dyPixel, tap) => {
    for (let p = 0; p < ch; p++)
      for (let m = 0; m < mult; m++) {
        const g = dy[(dyPixel * ch + p) * mult + m];
        const fi = (tap * ch + p) * mult + m;
        dx[xPixel * ch + p] += g * f[fi];
        df[fi] += g * x[xPixel * ch + p];
      }
  });
  return { dx, df: Float32Array.from(df) };
}

const inputsOf = (c: ConvCase) => seededGradInputs(c, 31, true);

async function runKernels(c: ConvCase): Promise<{ dx: Float32Array; df: Float32Array }> {
  const { x, filter, dy } = inputsOf(c);
  const common = { strides: c.strides, dilations: c.dilations, pad: c.pad };
  const inputGrad = tf.DepthwiseConv2dNativeBackpropInput;
  const filterGrad = tf.DepthwiseConv2dNativeBackpropFilter;
  return {
    dx: await kernelValues(inputGrad, { dy, filter }, { ...common, inputShape: c.x }, c.x),
    df: await kernelValues(filterGrad, { x, dy }, { ...common, filterShape: c.filter }, c.filter),
  };
}

describe('DepthwiseConv2dNativeBackpropInput / BackpropFilter on wasm', () => {
  onWasmWithTrainingKernels();

  for (const c of CASES) {
    it(`${c.name}: equals direct loops${c.dilations[0] === 1 && c.dilations[1] === 1 ? ' and the cpu kernels' : ''}`, async () => {
      const { x, filter, dy } = inputsOf(c);
      const ref = referenceGrads(c, x.values, filter.values, dy.values);
      const wasm = await expectNoLeak(() => runKernels(c), c.name);
      expect(maxRelDiff(wasm.dx, ref.dx)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasm.df, ref.df)).toBeLessThan(1e-5);
      // tfjs's cpu kernels ignore dilation in the backprop (the op forbids it), so compare only without.
      if (c.dilations[0] === 1 && c.dilations[1] === 1) {
        const cpu = await onCpu(() => runKernels(c));
        expect(maxRelDiff(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
        expect(maxRelDiff(wasm.df, cpu.df)).toBeLessThan(1e-4);
      }
    });
  }

  it('gives tf.grads of depthwiseConv2d the cpu backend numbers (x and filter)', () =>
    expectGradsMatchCpu('depthwise grads', [2, 8, 8, 4], [3, 3, 4, 2], [41, 42], (x, f) =>
      tf.depthwiseConv2d(x, f, 1, 'same'),
    ));

  it('rejects a dy that does not match the conv, naming the kernel and shapes', () => {
    const x = tf.zeros([1, 5, 5, 2]);
    const f = tf.zeros([3, 3, 2, 1]);
    const dy = tf.zeros([1, 4, 5, 2]);
    const common = { strides: 1, dilations: 1, pad: 'same' };
    const inputGrad = () =>
      runOneKernel(
        tf.DepthwiseConv2dNativeBackpropInput,
        { dy, filter: f },
        { ...common, inputShape: [1, 5, 5, 2] },
      );
    const filterGrad = () =>
      runOneKernel(
        tf.DepthwiseConv2dNativeBackpropFilter,
        { x, dy },
        { ...common, filterShape: [3, 3, 2, 1] },
      );
    expect(inputGrad).toThrow(/DepthwiseConv2dNativeBackpropInput: dy has shape \[1,4,5,2\]/);
    expect(filterGrad).toThrow(/DepthwiseConv2dNativeBackpropFilter: dy has shape \[1,4,5,2\]/);
    tf.dispose([x, f, dy]);
  });
});
