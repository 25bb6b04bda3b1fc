import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './index.js';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

const CASES: Case[] = [
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

/** dW[a,b,ci,co] = sum over n,i,j of x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n,i,j,co]. */
function referenceFilterGrad(c: Case, x: Float32Array, dy: Float32Array): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
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

function inputsOf(c: Case) {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  const x = seededValues(
    c.x.reduce((p, v) => p * v),
    11,
  );
  const dy = seededValues(
    info.outShape.reduce((p, v) => p * v),
    12,
  );
  return { x, dy, dyShape: info.outShape };
}

async function runKernel(c: Case): Promise<Float32Array> {
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

  for (const c of CASES) {
    it(`${c.name}: equals direct loops and the cpu kernel`, async () => {
      const { x, dy } = inputsOf(c);
      const ref = referenceFilterGrad(c, x, dy);
      await useBackend('cpu');
      const cpu = await runKernel(c);
      await useBackend('wasm');
      const wasm = await expectNoLeak(() => runKernel(c), c.name);
      expect(maxRelDiff(cpu, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasm, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasm, cpu)).toBeLessThan(1e-4);
    });
  }

  it('gives tf.grads of conv2d the cpu backend numbers (x and filter)', async () => {
    const xv = seededValues(2 * 9 * 8 * 4, 21);
    const fv = seededValues(3 * 3 * 4 * 5, 22);
    const grads = async () => {
      const x = tf.tensor4d(xv, [2, 9, 8, 4]);
      const f = tf.tensor4d(fv, [3, 3, 4, 5]);
      const g = tf.grads((a, b) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
          .square()
          .sum(),
      );
      const [dx, df] = g([x, f]);
      const out = [await dx.data(), await df.data()];
      tf.dispose([x, f, dx, df]);
      return out;
    };
    await useBackend('cpu');
    const cpu = await grads();
    await useBackend('wasm');
    const wasm = await expectNoLeak(grads, 'conv2d grads');
    expect(maxRelDiff(wasm[0], cpu[0])).toBeLessThan(1e-4);
    expect(maxRelDiff(wasm[1], cpu[1])).toBeLessThan(1e-4);
  });

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
