import * as tf from '@tensorflow/tfjs';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import {
  closeWasmSimdTrainingKernels,
  registerWasmSimdTrainingKernels,
} from './simd-training-kernels.js';
import { registerWasmTrainingKernels } from './stand-in-kernels.js';

export interface TrainingKernelsOptions {
  /**
   * 'fastest' (default): on wasm, this package's own SIMD training kernels over worker threads
   * (registerWasmSimdTrainingKernels). 'tfjs': TF.js's own kernels, plus on wasm only the gradient
   * kernels it lacks (registerWasmTrainingKernels()).
   */
  kernels?: 'fastest' | 'tfjs';
  /** Threads for 'fastest' on wasm (default: the machine's cores, at most 8). */
  threads?: number;
}

export interface TrainingKernelsInfo {
  /** tf.getBackend(). */
  backend: string;
  /** Which kernels train on it, for a runtime line, e.g. "XNNPACK + @hsrkit/layers training kernels (relaxed SIMD, FMA; 2 threads)". */
  kernels: string;
}

/**
 * Makes the active backend ready to train this package's layers with the fastest kernels it has
 * and says which ones run: on wasm, registerWasmSimdTrainingKernels (or, with kernels 'tfjs', the
 * stock kernels plus the gradients wasm lacks); other backends train with TF.js's kernels as they
 * are. Trainers call it before their first step (idempotent and cheap after the first call).
 */
export async function prepareTrainingKernels(
  options: TrainingKernelsOptions = {},
): Promise<TrainingKernelsInfo> {
  const backend = tf.getBackend();
  if (backend !== 'wasm') return { backend, kernels: `TF.js ${backend} kernels` };
  if (options.kernels === 'tfjs') {
    await closeWasmSimdTrainingKernels();
    restoreStockWasmKernels();
    registerWasmTrainingKernels();
    return {
      backend,
      kernels: 'TF.js wasm kernels (XNNPACK) + @hsrkit/layers gradient kernels wasm lacks',
    };
  }
  const info = await registerWasmSimdTrainingKernels({ threads: options.threads });
  return { backend, kernels: `XNNPACK + ${info.description}` };
}
