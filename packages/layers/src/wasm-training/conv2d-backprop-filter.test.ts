import { expectNoLeak, maxRelDiff } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  CONV2D_CASES,
  type ConvCase,
  expectGradsMatchCpu,
  forEachTap,
  kernelValues,
  onCpu,
  onWasmWithTrainingKernels,
  runOneKernel,
  seededGradInputs,
} from './test-support.js';

/** dW[a,b,ci,co] = sum over n,i,j of x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n,i,j,co]. */
function referenceFilterGrad(c: ConvCase, x: Float32Array, dy: Float32Array): Float32Array {
  const [kh, kw, ci, co] = c.filter;
  const dw = new Float64Array(kh * kw * ci * co);
  forEachTap(c, (xPixel, dyPixel, tap) => {
    for (let p = 0; p < ci; p++)
      for (let q = 0; q < co; q++)
        dw[(tap * ci + p) * co + q] += x[xPixel * ci + p] * dy[dyPixel * co + q];
  });
  return Float32Array.from(dw);
}

const inputsOf = (c: ConvCase) => seededGradInputs(c, 11);

function runKernel(c: ConvCase): Promise<Float32Array> {
  const { x, dy } = inputsOf(c);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
  return kernelValues(tf.Conv2DBackpropFilter, { x, dy }, attrs, c.filter);
}

describe('Conv2DBackpropFilter on wasm', () => {
  onWasmWithTrainingKernels();

  for (const c of CONV2D_CASES) {
    it(`${c.name}: equals direct loops and the cpu kernel`, async () => {
      const { x, dy } = inputsOf(c);
      const ref = referenceFilterGrad(c, x.values, dy.values);
      const cpu = await onCpu(() => runKernel(c));
      const wasm = await expectNoLeak(() => runKernel(c), c.name);
      expect(maxRelDiff(cpu, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasm, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasm, cpu)).toBeLessThan(1e-4);
    });
  }

  it('gives tf.grads of conv2d the cpu backend numbers (x and filter)', () =>
    expectGradsMatchCpu('conv2d grads', [2, 9, 8, 4], [3, 3, 4, 5], [21, 22], (x, f) =>
      tf.conv2d(x, f, 2, 'same'),
    ));

  it('rejects NCHW and a dy that does not match the conv', async () => {
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 3, 3, 2]);
    const run = (pad: string, dataFormat: string, filterShape: number[]) => () =>
      runOneKernel(
        tf.Conv2DBackpropFilter,
        { x, dy },
        { strides: 1, pad, dataFormat, filterShape },
      );
    expect(run('same', 'NHWC', [3, 3, 2, 2])).toThrow(
      /Conv2DBackpropFilter: dy has shape \[1,3,3,2\]/,
    );
    expect(run('valid', 'NCHW', [2, 2, 2, 2])).toThrow(/NCHW/);
    tf.dispose([x, dy]);
  });
});
