import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from './errors.js';

/** Throws WasmKernelError (naming `caller`) unless tfjs-backend-wasm's kernels are registered. */
export function requireWasmBackend(caller: string): void {
  if (tf.getKernel(tf.Conv2D, 'wasm') === undefined)
    throw new WasmKernelError(
      caller,
      `the wasm backend is not loaded: import '@tensorflow/tfjs-backend-wasm' before calling it`,
    );
}
