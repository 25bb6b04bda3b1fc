import { expectNoLeak, maxRelDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { registerWasmTrainingKernels } from './index.js';
import {
  CONV2D_CASES,
  type ConvCase,
  forEachTap,
  kernelValues,
  onCpu,
  runOneKernel,
  seededGradInputs,
} from './test-support.js';

/** dx[n,r,c,ci] = sum over the taps that read x[n,r,c,ci] of dy[n,i,j,co] * w[a,b,ci,co]. */
function referenceInputGrad(c: ConvCase, w: Float32Array, dy: Float32Array): Float32Array {
  const [, , ci, co] = c.filter;
  const dx = new Float64Array(tf.util.sizeFromShape(c.x));
  forEachTap(c, (xPixel, dyPixel, tap) => {
    for (let p = 0; p < ci; p++)
      for (let q = 0; q < co; q++)
        dx[xPixel * ci + p] += dy[dyPixel * co + q] * w[(tap * ci + p) * co + q];
  });
  return Float32Array.from(dx);
}

const inputsOf = (c: ConvCase) => seededGradInputs(c, 51);

/** Our stand-in called directly, not through the kernel registry. */
const standIn = (_: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) =>
  tf.engine().makeTensorFromTensorInfo(
    conv2DBackpropInputWasm({
      inputs,
      backend: tf.backend(),
      attrs: attrs as tf.NamedAttrMap,
    }) as tf.TensorInfo,
  );

/** Runs either the registered Conv2DBackpropInput or, with direct, our stand-in unregistered. */
function run(c: ConvCase, direct: boolean): Promise<Float32Array> {
  const { filter, dy } = inputsOf(c);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
  const inputs = { dy, filter };
  return kernelValues(tf.Conv2DBackpropInput, inputs, attrs, c.x, direct ? standIn : runOneKernel);
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
      const { filter, dy } = inputsOf(c);
      const ref = referenceInputGrad(c, filter.values, dy.values);
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
    const { filter, dy } = inputsOf(c);
    const viaRegistry = await expectNoLeak(() => run(c, false), 'registered stand-in');
    const ref = referenceInputGrad(c, filter.values, dy.values);
    expect(maxRelDiff(viaRegistry, ref)).toBeLessThan(1e-5);
  });
});
