// Chooses the TF.js runtime the model runs on. 'auto' asks the browser what each GPU runtime would
// run on (src/runtime-probe.ts) and passes over software adapters (SwiftShader emulates the GPU
// on the CPU: 8-10 s for the sample where WASM takes 0.1 s), starts the others, runs the model on
// each (starting is not enough: headless chromium starts WebGL and then fails to compile one of
// LKCA-Net's shaders) and keeps the one whose timed forward was fastest. A runtime the user
// forces is tried first, software or not, then the rest in order. Every runtime not taken comes
// with why.
import { selectRuntime } from '@hsrkit/inference';
import * as tf from '@tensorflow/tfjs';
import { describeError } from './errors.js';
import { type AdapterInfo, adapterOf } from './runtime-probe.js';
import {
  RUNTIME_ORDER,
  type RuntimeAttempt,
  type RuntimeChoice,
  type RuntimePreference,
  type RuntimeReport,
} from './worker-protocol.js';

export function runtimeOrder(preference: RuntimePreference): RuntimeChoice[] {
  return preference === 'auto'
    ? [...RUNTIME_ORDER]
    : [preference, ...RUNTIME_ORDER.filter((r) => r !== preference)];
}

/** Side of the timed forward's input: small, but large enough that per-call overhead does not decide. */
export const TIMED_INPUT = 32;

/** Runs the model once on a `size` x `size` input on the current backend; returns its time (ms). */
async function forward(model: tf.LayersModel, bands: number, size: number): Promise<number> {
  const t0 = performance.now();
  const y = tf.tidy(() => model.predict(tf.zeros([1, size, size, bands])) as tf.Tensor);
  try {
    const values = await y.data();
    if (!values.every(Number.isFinite)) throw new Error('the test run gave non-finite values');
  } finally {
    y.dispose();
  }
  return performance.now() - t0;
}

/**
 * An 8 x 8 run (compiles shaders, catches a runtime that starts but cannot run the model); when
 * runtimes are compared, then a timed run (after one untimed at that size: new shaders).
 */
async function probe(
  model: tf.LayersModel,
  bands: number,
  timed: boolean,
): Promise<number | undefined> {
  await forward(model, bands, 8);
  if (!timed) return undefined;
  await forward(model, bands, TIMED_INPUT);
  return forward(model, bands, TIMED_INPUT);
}

export interface StartedRuntime {
  report: RuntimeReport;
  /** The model, built on the chosen backend. */
  model: tf.LayersModel;
}

export interface RuntimeDeps {
  select?: typeof selectRuntime;
  adapter?: (runtime: RuntimeChoice) => Promise<AdapterInfo | undefined>;
}

interface Candidate {
  runtime: RuntimeChoice;
  attempt: RuntimeAttempt;
  backend: string;
  device: string;
  model: tf.LayersModel;
  ms: number;
}

const firstLine = (e: unknown) => describeError(e).message.split('\n')[0].slice(0, 300);

/**
 * Starts runtimes and picks one (see the file comment); on each, `open` builds the model there
 * (weights created on that backend: weights moved out of WebGPU into wasm or cpu gave wrong
 * outputs, 1.8e-2 off, in chromium 156 with tfjs 4.22).
 */
export async function startRuntime(
  preference: RuntimePreference,
  open: () => Promise<tf.LayersModel>,
  bands: number,
  deps: RuntimeDeps = {},
): Promise<StartedRuntime> {
  const select = deps.select ?? selectRuntime;
  const adapterInfo = deps.adapter ?? adapterOf;
  const attempts: RuntimeAttempt[] = [];
  const started: Candidate[] = [];
  const auto = preference === 'auto';

  const tryRuntime = async (runtime: RuntimeChoice, adapter?: AdapterInfo) => {
    const attempt: RuntimeAttempt = { runtime, ok: false, adapter: adapter?.description };
    attempts.push(attempt);
    let model: tf.LayersModel | undefined;
    try {
      // On wasm: @hsrkit/layers' own SIMD kernels (Winograd/GEMM convs, one-call LKB blocks).
      const info = await select(runtime, { winogradConv: true });
      model = await open();
      const ms = await probe(model, bands, auto);
      Object.assign(attempt, { ok: true, ms });
      const device = adapter && info.device === 'navigator.gpu' ? adapter.description : info.device;
      started.push({ runtime, attempt, backend: info.backend, device, model, ms: ms ?? 0 });
    } catch (e) {
      model?.dispose();
      attempt.error = firstLine(e);
    }
  };

  const software: [RuntimeChoice, AdapterInfo][] = [];
  for (const runtime of runtimeOrder(preference)) {
    if (!auto && started.length) break; // forced: the first that runs
    const adapter = await adapterInfo(runtime);
    if (auto && adapter?.software) {
      software.push([runtime, adapter]);
      attempts.push({
        runtime,
        ok: false,
        adapter: adapter.description,
        error: 'skipped: a software adapter (the GPU emulated on the CPU), slower than WASM',
      });
      continue;
    }
    if (auto && runtime === 'cpu' && started.length) {
      attempts.push({
        runtime,
        ok: false,
        error: 'skipped: plain JavaScript, only used when nothing else runs',
      });
      continue;
    }
    await tryRuntime(runtime, adapter);
  }
  // Nothing else ran: a software adapter is better than nothing.
  for (const [runtime, adapter] of software)
    if (!started.length) await tryRuntime(runtime, adapter);
  if (!started.length)
    throw new Error(
      `no TF.js runtime could run the model: ${attempts.map((a) => `${a.runtime}: ${a.error}`).join('; ')}`,
    );
  const best = started.reduce((a, b) => (b.ms < a.ms ? b : a));
  best.attempt.chosen = true;
  for (const c of started)
    if (c !== best) {
      c.model.dispose();
      c.attempt.error = `slower: ${c.ms.toFixed(1)} ms vs ${best.ms.toFixed(1)} ms on ${best.runtime}`;
    }
  // Probing later runtimes switched the backend: back to the chosen one (started already).
  if (tf.getBackend() !== best.backend) await select(best.runtime, { winogradConv: true });
  return {
    report: {
      backend: best.backend,
      device: best.device,
      attempts,
      timedInput: auto ? TIMED_INPUT : undefined,
    },
    model: best.model,
  };
}
