import { expectNoLeak, maxRelDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './index.js';
import { type ConvCase, expectGradsMatchCpu, onCpu, seededOfShape } from './test-support.js';

interface Case extends ConvCase {
  dilations: [number, number];
}

const CASES: Case[] = [
  {
    name: '3x3 same, batch 2',
    x: [2, 7, 6, 3],
    filter: [3, 3, 3, 1],
    strides: [1, 1],
    dilations: [1, 1],
    pad: 'same',
  },
  {
    name: 'LKB 3x3 dilation 5',
    x: [2, 12, 12, 4],
    filter: [3, 3, 4, 1],
    strides: [1, 1],
    dilations: [5, 5],
    pad: 'same',
  },
  {
    name: 'LKB 3x3 dilation 7, reach beyond the image',
    x: [2, 10, 9, 3],
    filter: [3, 3, 3, 1],
    strides: [1, 1],
    dilations: [7, 7],
    pad: 'same',
  },
  {
    name: '3x3 valid dilation (2,3)',
    x: [1, 9, 10, 2],
    filter: [3, 3, 2, 1],
    strides: [1, 1],
    dilations: [2, 3],
    pad: 'valid',
  },
  {
    name: '3x3 same stride 2',
    x: [2, 9, 8, 3],
    filter: [3, 3, 3, 1],
    strides: [2, 2],
    dilations: [1, 1],
    pad: 'same',
  },
  {
    name: '2x2 valid stride 2, unread row',
    x: [2, 7, 6, 2],
    filter: [2, 2, 2, 1],
    strides: [2, 2],
    dilations: [1, 1],
    pad: 'valid',
  },
  {
    name: '5x3 same stride (1,2)',
    x: [1, 8, 9, 2],
    filter: [5, 3, 2, 1],
    strides: [1, 2],
    dilations: [1, 1],
    pad: 'same',
  },
  {
    name: 'channel multiplier 2',
    x: [2, 6, 7, 3],
    filter: [3, 3, 3, 2],
    strides: [1, 1],
    dilations: [1, 1],
    pad: 'same',
  },
  {
    name: 'multiplier 3, dilation 3',
    x: [2, 9, 8, 2],
    filter: [3, 3, 2, 3],
    strides: [1, 1],
    dilations: [3, 3],
    pad: 'same',
  },
  {
    name: 'explicit pads, dilation 2',
    x: [2, 8, 7, 2],
    filter: [3, 3, 2, 1],
    strides: [1, 1],
    dilations: [2, 2],
    pad: [
      [0, 0],
      [3, 1],
      [0, 2],
      [0, 0],
    ],
  },
];

function infoOf(c: Case) {
  return tf.backend_util.computeConv2DInfo(
    c.x,
    c.filter,
    c.strides,
    c.dilations,
    c.pad,
    undefined,
    true,
  );
}

/**
 * The depthwise conv y[n,i,j,c*M+m] = sum_{a,b} x[n, i*sh + a*dh - top, j*sw + b*dw - left, c] f[a,b,c,m]
 * differentiated term by term: every (output, tap) pair adds dy*f to dx and dy*x to df.
 */
function referenceGrads(c: Case, x: Float32Array, f: Float32Array, dy: Float32Array) {
  const info = infoOf(c);
  const [n, h, w, ch] = c.x;
  const [kh, kw, , mult] = c.filter;
  const { outHeight: ho, outWidth: wo } = info;
  const dx = new Float32Array(x.length);
  const df = new Float64Array(f.length);
  for (let b0 = 0; b0 < n; b0++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const r = i * c.strides[0] + a * c.dilations[0] - info.padInfo.top;
            const col = j * c.strides[1] + b * c.dilations[1] - info.padInfo.left;
            if (r < 0 || r >= h || col < 0 || col >= w) continue;
            for (let p = 0; p < ch; p++)
              for (let m = 0; m < mult; m++) {
                const g = dy[((b0 * ho + i) * wo + j) * ch * mult + p * mult + m];
                const fi = ((a * kw + b) * ch + p) * mult + m;
                const xi = ((b0 * h + r) * w + col) * ch + p;
                dx[xi] += g * f[fi];
                df[fi] += g * x[xi];
              }
          }
  return { dx, df: Float32Array.from(df) };
}

function inputsOf(c: Case) {
  const dyShape = infoOf(c).outShape;
  return {
    x: seededOfShape(c.x, 31),
    f: seededOfShape(c.filter, 32),
    dy: seededOfShape(dyShape, 33),
    dyShape,
  };
}

async function runKernels(c: Case): Promise<{ dx: Float32Array; df: Float32Array }> {
  const { x, f, dy, dyShape } = inputsOf(c);
  const [xt, ft, dyt] = [tf.tensor4d(x, c.x), tf.tensor4d(f, c.filter), tf.tensor4d(dy, dyShape)];
  const common = { strides: c.strides, dilations: c.dilations, pad: c.pad };
  const dx = tf
    .engine()
    .runKernel(
      tf.DepthwiseConv2dNativeBackpropInput,
      { dy: dyt, filter: ft },
      { ...common, inputShape: c.x },
    ) as tf.Tensor;
  const df = tf
    .engine()
    .runKernel(
      tf.DepthwiseConv2dNativeBackpropFilter,
      { x: xt, dy: dyt },
      { ...common, filterShape: c.filter },
    ) as tf.Tensor;
  expect(dx.shape).toEqual(c.x);
  expect(df.shape).toEqual(c.filter);
  const out = { dx: (await dx.data()) as Float32Array, df: (await df.data()) as Float32Array };
  tf.dispose([xt, ft, dyt, dx, df]);
  return out;
}

describe('DepthwiseConv2dNativeBackpropInput / BackpropFilter on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
  });

  for (const c of CASES) {
    it(`${c.name}: equals direct loops${c.dilations[0] === 1 && c.dilations[1] === 1 ? ' and the cpu kernels' : ''}`, async () => {
      const { x, f, dy } = inputsOf(c);
      const ref = referenceGrads(c, x, f, dy);
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
    expect(() =>
      tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy, filter: f },
          { ...common, inputShape: [1, 5, 5, 2] },
        ),
    ).toThrow(/DepthwiseConv2dNativeBackpropInput: dy has shape \[1,4,5,2\]/);
    expect(() =>
      tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x, dy },
          { ...common, filterShape: [3, 3, 2, 1] },
        ),
    ).toThrow(/DepthwiseConv2dNativeBackpropFilter: dy has shape \[1,4,5,2\]/);
    tf.dispose([x, f, dy]);
  });
});
