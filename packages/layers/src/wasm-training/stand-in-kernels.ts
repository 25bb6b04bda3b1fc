import * as tf from '@tensorflow/tfjs';
import { replaceWasmKernel } from '../wasm-core/kernel-registry.js';
import { requireWasmBackend } from '../wasm-core/wasm-backend.js';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterWasm } from './depthwise-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputWasm } from './depthwise-backprop-input.js';
import { castWasm, identityWasm } from './shared-data.js';
import { packWasm } from './pack.js';
import { sliceWasm } from './slice.js';
import { unpackWasm } from './unpack.js';

export interface WasmKernelEntry {
  kernelName: string;
  kernelFunc: tf.KernelFunc;
}

/** The gradient kernels tfjs-backend-wasm 4.22 lacks for training conv nets, and their stand-ins. */
export const WASM_TRAINING_KERNELS: readonly WasmKernelEntry[] = [
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2DBackpropFilterWasm },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    kernelFunc: depthwiseConv2dNativeBackpropInputWasm,
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    kernelFunc: depthwiseConv2dNativeBackpropFilterWasm,
  },
];

/**
 * Kernels tfjs-backend-wasm 4.22 has but runs slowly in an LKCA-Net training step, with faster
 * stand-ins built from fast wasm kernels (batch 8, 16x16 LR, measured on this project's CI CPU):
 * Conv2DBackpropInput is a direct loop (1.7 s vs 0.28 s for the B=128 upsampler); Unpack (the
 * gradient of tf.stack) falls back to per-element JavaScript above rank 4 (1.2 s vs ms for an
 * LKB's [8,16,16,64,3]); Pack along the last axis copies element by element; BatchMatMul with a
 * transposed operand (every matMul gradient) runs ~20x slower than the plain product; Slice
 * copies the whole input out of the heap and then row by row (a spectral-gradient loss's band
 * differences of [8, 64, 64, B]); Identity, and Cast to the same dtype, copy the tensor (the engine
 * runs Identity for every tensor an op keeps for its gradient).
 */
export const WASM_FASTER_TRAINING_KERNELS: readonly WasmKernelEntry[] = [
  { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInputWasm },
  { kernelName: tf.Unpack, kernelFunc: unpackWasm },
  { kernelName: tf.Pack, kernelFunc: packWasm },
  { kernelName: tf.BatchMatMul, kernelFunc: batchMatMulWasm },
  { kernelName: tf.Slice, kernelFunc: sliceWasm },
  { kernelName: tf.Identity, kernelFunc: identityWasm },
  { kernelName: tf.Cast, kernelFunc: castWasm },
];

export interface WasmTrainingKernelOptions {
  /**
   * Also replace the stock wasm kernels listed in WASM_FASTER_TRAINING_KERNELS by their faster
   * stand-ins (same numbers; restoreStockWasmKernels() puts the stock ones back). Default false:
   * kernels the backend already has are left alone.
   */
  replaceSlowKernels?: boolean;
}

/**
 * Registers on the `wasm` backend the gradient kernels it lacks for training convolutions
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput/Filter), each built from wasm
 * kernels that already run fast (XNNPACK Conv2D / DepthwiseConv2dNative, Transpose, PadV2).
 * Kernels the backend already has are left alone unless `replaceSlowKernels` is set; calling
 * it again does nothing. Import '@tensorflow/tfjs-backend-wasm' first (else WasmKernelError).
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): void {
  requireWasmBackend('registerWasmTrainingKernels');
  for (const { kernelName, kernelFunc } of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm') === undefined)
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  if (options.replaceSlowKernels)
    for (const { kernelName, kernelFunc } of WASM_FASTER_TRAINING_KERNELS)
      replaceWasmKernel(kernelName, kernelFunc);
}
