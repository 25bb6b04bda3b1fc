import { expectNoLeak, maxRelDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { registerWasmTrainingKernels } from './index.js';
import { CONV2D_CASES, type ConvCase, conv2dInfo, onCpu, seededOfShape } from './test-support.js';

/** dx[n,r,c,ci] = sum over the taps that read x[n,r,c,ci] of dy[n,i,j,co] * w[a,b,ci,co]. */
function referenceInputGrad(c: ConvCase, w: Float32Array, dy: Float32Array): Float32Array {
  const info = conv2dInfo(c);
  const [n, h, wd, ci] = c.x;
  const [kh, kw, , co] = c.filter;
  const { outHeight: ho, outWidth: wo } = info;
  const dx = new Float64Array(n * h * wd * ci);
  for (let b0 = 0; b0 < n; b0++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const r = i * c.strides[0] + a - info.padInfo.top;
            const col = j * c.strides[1] + b - info.padInfo.left;
            if (r < 0 || r >= h || col < 0 || col >= wd) continue;
            for (let p = 0; p < ci; p++) {
              let s = 0;
              for (let q = 0; q < co; q++)
                s += dy[((b0 * ho + i) * wo + j) * co + q] * w[((a * kw + b) * ci + p) * co + q];
              dx[((b0 * h + r) * wd + col) * ci + p] += s;
            }
          }
  return Float32Array.from(dx);
}

function inputsOf(c: ConvCase) {
  const dyShape = conv2dInfo(c).outShape;
  return { w: seededOfShape(c.filter, 51), dy: seededOfShape(dyShape, 52), dyShape };
}

/** Runs either the registered Conv2DBackpropInput or, with direct, our stand-in unregistered. */
async function run(c: ConvCase, direct: boolean): Promise<Float32Array> {
  const { w, dy, dyShape } = inputsOf(c);
  const wt = tf.tensor4d(w, c.filter);
  const dyt = tf.tensor4d(dy, dyShape);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
  const dx = direct
    ? tf.engine().makeTensorFromTensorInfo(
        conv2DBackpropInputWasm({
          inputs: { dy: dyt, filter: wt },
          backend: tf.backend(),
          attrs,
        }) as tf.TensorInfo,
      )
    : (tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyt, filter: wt }, attrs) as tf.Tensor);
  expect(dx.shape).toEqual(c.x);
  const out = (await dx.data()) as Float32Array;
  tf.dispose([wt, dyt, dx]);
  return out;
}

describe('Conv2DBackpropInput stand-in on wasm (XNNPACK conv of the flipped filter)', () => {
  let stock: tf.KernelConfig | undefined;
  beforeAll(async () => {
    await useBackend('wasm');
    stock = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  });
  // The kernel registry is process-wide: give later test files wasm's own kernels back.
  afterAll(() => restoreStockWasmKernels());

  for (const c of CONV2D_CASES) {
    it(`${c.name}: equals direct loops, the cpu kernel and wasm's own kernel`, async () => {
      const { w, dy } = inputsOf(c);
      const ref = referenceInputGrad(c, w, dy);
      const cpu = await onCpu(() => run(c, false));
      const stockWasm = await run(c, false);
      const ours = await expectNoLeak(() => run(c, true), c.name);
      expect(maxRelDiff(cpu, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(stockWasm, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(ours, ref)).toBeLessThan(1e-5);
      expect(maxRelDiff(ours, cpu)).toBeLessThan(1e-4);
    });
  }

  it('replaces the stock kernel only with replaceSlowKernels, idempotently', async () => {
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')).toBe(stock);
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(conv2DBackpropInputWasm);
    const c = CONV2D_CASES[3];
    const { w, dy } = inputsOf(c);
    const viaRegistry = await expectNoLeak(() => run(c, false), 'registered stand-in');
    expect(maxRelDiff(viaRegistry, referenceInputGrad(c, w, dy))).toBeLessThan(1e-5);
  });
});
