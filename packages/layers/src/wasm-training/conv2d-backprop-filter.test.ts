import { expectNoLeak, maxRelDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './index.js';
import {
  CONV2D_CASES,
  type ConvCase,
  conv2dInfo,
  expectGradsMatchCpu,
  onCpu,
  seededOfShape,
} from './test-support.js';

/** dW[a,b,ci,co] = sum over n,i,j of x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n,i,j,co]. */
function referenceFilterGrad(c: ConvCase, x: Float32Array, dy: Float32Array): Float32Array {
  const info = conv2dInfo(c);
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.filter;
  const { outHeight: ho, outWidth: wo } = info;
  const out = new Float32Array(kh * kw * ci * co);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let p = 0; p < ci; p++)
        for (let q = 0; q < co; q++) {
          let s = 0;
          for (let b0 = 0; b0 < n; b0++)
            for (let i = 0; i < ho; i++)
              for (let j = 0; j < wo; j++) {
                const r = i * c.strides[0] + a - info.padInfo.top;
                const col = j * c.strides[1] + b - info.padInfo.left;
                if (r < 0 || r >= h || col < 0 || col >= w) continue;
                s += x[((b0 * h + r) * w + col) * ci + p] * dy[((b0 * ho + i) * wo + j) * co + q];
              }
          out[((a * kw + b) * ci + p) * co + q] = s;
        }
  return out;
}

function inputsOf(c: ConvCase) {
  const dyShape = conv2dInfo(c).outShape;
  return { x: seededOfShape(c.x, 11), dy: seededOfShape(dyShape, 12), dyShape };
}

async function runKernel(c: ConvCase): Promise<Float32Array> {
  const { x, dy, dyShape } = inputsOf(c);
  const xt = tf.tensor4d(x, c.x);
  const dyt = tf.tensor4d(dy, dyShape);
  const dw = tf
    .engine()
    .runKernel(
      tf.Conv2DBackpropFilter,
      { x: xt, dy: dyt },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
    ) as tf.Tensor;
  const out = (await dw.data()) as Float32Array;
  expect(dw.shape).toEqual(c.filter);
  tf.dispose([xt, dyt, dw]);
  return out;
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
  });

  for (const c of CONV2D_CASES) {
    it(`${c.name}: equals direct loops and the cpu kernel`, async () => {
      const { x, dy } = inputsOf(c);
      const ref = referenceFilterGrad(c, x, dy);
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
    expect(() =>
      tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropFilter,
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2] },
        ),
    ).toThrow(/Conv2DBackpropFilter: dy has shape \[1,3,3,2\]/);
    expect(() =>
      tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropFilter,
          { x, dy },
          { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [2, 2, 2, 2] },
        ),
    ).toThrow(/NCHW/);
    tf.dispose([x, dy]);
  });
});
