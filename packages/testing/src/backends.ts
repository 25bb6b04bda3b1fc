import * as tf from '@tensorflow/tfjs';
// The product's runtime selection is the one place that knows how to start each backend (WebGPU in
// Node through dawn included); tests start backends the same way users do. Imported by path because
// this private package cannot depend on lkca-net (lkca-net's own tests use this package).
import { selectRuntime } from '../../lkca-net/src/runtime.js';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** Starts (once) and selects a backend. Throws with the reason when it cannot start. */
export async function useBackend(name: BackendName): Promise<void> {
  await selectRuntime(name);
  if (tf.getBackend() !== name)
    throw new Error(`asked for backend ${name}, got ${tf.getBackend()}`);
}
