// Starts the first TF.js runtime that can actually run the model, in the order WebGPU, WebGL,
// WASM, CPU (a chosen runtime first), and says why each one before it was passed over. Starting
// is not enough: headless chromium starts WebGL and then fails to compile one of LKCA-Net's
// shaders, so every candidate runs the model once on a tiny input before it is taken.
import { selectRuntime } from '@hsrkit/inference';
import * as tf from '@tensorflow/tfjs';
import { describeError } from './errors.js';
import {
  RUNTIME_ORDER,
  type RuntimeAttempt,
  type RuntimePreference,
  type RuntimeReport,
} from './worker-protocol.js';

export function runtimeOrder(preference: RuntimePreference) {
  return preference === 'auto'
    ? [...RUNTIME_ORDER]
    : [preference, ...RUNTIME_ORDER.filter((r) => r !== preference)];
}

/** Runs the model once on an 8 x 8 input on the current backend. */
async function probe(model: tf.LayersModel, bands: number): Promise<void> {
  const y = tf.tidy(() => model.predict(tf.zeros([1, 8, 8, bands])) as tf.Tensor);
  try {
    const values = await y.data();
    if (!values.every(Number.isFinite)) throw new Error('the test run gave non-finite values');
  } finally {
    y.dispose();
  }
}

export interface StartedRuntime {
  report: RuntimeReport;
  /** The model, built on the chosen backend. */
  model: tf.LayersModel;
}

/**
 * Tries the runtimes in order; on each, `open` builds the model there (weights created on that
 * backend: weights moved out of WebGPU into wasm or cpu gave wrong outputs, 1.8e-2 off, in
 * chromium 156 with tfjs 4.22) and runs it once.
 */
export async function startRuntime(
  preference: RuntimePreference,
  open: () => Promise<tf.LayersModel>,
  bands: number,
  select: typeof selectRuntime = selectRuntime,
): Promise<StartedRuntime> {
  const attempts: RuntimeAttempt[] = [];
  for (const runtime of runtimeOrder(preference)) {
    let model: tf.LayersModel | undefined;
    try {
      // On wasm: @hsrkit/layers' own SIMD kernels (Winograd/GEMM convs, one-call LKB blocks).
      const info = await select(runtime, { winogradConv: true });
      model = await open();
      await probe(model, bands);
      attempts.push({ runtime, ok: true });
      return { report: { backend: info.backend, device: info.device, attempts }, model };
    } catch (e) {
      model?.dispose();
      const { message } = describeError(e);
      attempts.push({ runtime, ok: false, error: message.split('\n')[0].slice(0, 300) });
    }
  }
  throw new Error(
    `no TF.js runtime could run the model: ${attempts.map((a) => `${a.runtime}: ${a.error}`).join('; ')}`,
  );
}
