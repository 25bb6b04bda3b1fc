import * as tf from '@tensorflow/tfjs';
// The product's runtime selection is the one place that knows how to start each backend (WebGPU in
// Node through dawn included); tests start backends the same way users do. A peer dependency, so
// that @hsrkit/inference's own tests can use this package without a cycle in the build graph.
import { selectRuntime } from '@hsrkit/inference';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** Starts (once) and selects a backend. Throws with the reason when it cannot start. */
export async function useBackend(name: BackendName): Promise<void> {
  await selectRuntime(name);
  if (tf.getBackend() !== name)
    throw new Error(`asked for backend ${name}, got ${tf.getBackend()}`);
}
