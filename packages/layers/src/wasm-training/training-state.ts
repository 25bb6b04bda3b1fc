import * as tf from '@tensorflow/tfjs';
import { wasmTensorData } from '../wasm-core/simd-module.js';
import type { TrainingModule } from './training-module.js';

type TensorInfo = tf.TensorInfo;

/** The training module our kernels run on, how many threads they use, and below what work they leave a call to the stock kernel. */
export interface TrainingState {
  mod: TrainingModule;
  /** Threads asked for when the module was started. */
  requested: number;
  minWork: number;
  threads: number;
}

let state: TrainingState | null = null;

/** The state registerWasmSimdTrainingKernels set, or null before it (or after closeWasmSimdTrainingKernels). */
export function trainingState(): TrainingState | null {
  return state;
}

export function setTrainingState(s: TrainingState | null): void {
  state = s;
}

/** Calls of each of our kernels that ran our code (not a stock fallback): tests and profiles read it. */
export const simdTrainingKernelCalls: Record<string, number> = {};

export function countCall(name: string): void {
  simdTrainingKernelCalls[name] = (simdTrainingKernelCalls[name] ?? 0) + 1;
}

/** Buffers of one kernel call in the module's memory. */
export interface Scope {
  /** Copies a backend tensor in; returns its address. */
  copyIn(backend: tf.KernelBackend, t: TensorInfo): number;
  /** Reserves `floats` floats; returns the address. */
  take(floats: number): number;
  /** A backend tensor of `shape` holding the floats at `at` (copied). */
  out(backend: tf.KernelBackend, at: number, shape: number[]): TensorInfo;
}

/** Runs body with the arena's bump pointer restored after it. */
export function withArena<T>(body: (s: Scope) => T): T {
  const { arena } = state!.mod;
  const mark = arena.mark;
  try {
    return body({
      copyIn(backend, t) {
        const n = tf.util.sizeFromShape(t.shape);
        const at = arena.take(4 * n);
        arena.f32(at, n).set(wasmTensorData(backend, t, n));
        return at;
      },
      take: (floats) => arena.take(4 * floats),
      out(backend, at, shape) {
        // write() copies into the backend's heap at once.
        const values = arena.f32(at, tf.util.sizeFromShape(shape));
        return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
      },
    });
  } finally {
    arena.reset(mark);
  }
}
