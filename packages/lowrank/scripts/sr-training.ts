// Shared by the training scripts: seeded random crops of a real scene, bicubic x1/s degradation
// and an L1 Adam loop on the wasm backend (with the repo's wasm training kernels), plus writing
// a held-out LR calibration batch next to its provenance.
import { rename, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { bicubicResize, registerWasmTrainingKernels } from '@hsrkit/layers';
import { useBackend } from '@hsrkit/testing/node';

/** The setting every trained fixture of this package shares: 31 bands, x2, HR crops of 32x32. */
export const SR_SETUP = { bands: 31, scale: 2, hr: 32 } as const;

/** Switches to the wasm backend and registers the training kernels it lacks. */
export async function useWasmForTraining(): Promise<void> {
  await useBackend('wasm');
  registerWasmTrainingKernels();
}

/** Deterministic generator (mulberry32): the same crops every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Divides `cube` in place by its maximum; returns that maximum. */
export function normaliseByPeak(cube: Float32Array): number {
  let peak = 0;
  for (const v of cube) peak = Math.max(peak, v);
  for (let i = 0; i < cube.length; i++) cube[i] /= peak;
  return peak;
}

/**
 * An `hr` x `hr` crop of `scene` ([1, lines, samples, bands]) at (row y0, col x0), flipped and/or
 * transposed by the dihedral index `k` (0..7).
 */
export function cropPatch(
  scene: tf.Tensor4D,
  hr: number,
  x0: number,
  y0: number,
  k = 0,
): tf.Tensor4D {
  return tf.tidy(() => {
    let p = tf.slice(scene, [0, y0, x0, 0], [1, hr, hr, scene.shape[3]]);
    if (k & 1) p = tf.reverse(p, 2);
    if (k & 2) p = tf.reverse(p, 1);
    if (k & 4) p = tf.transpose(p, [0, 2, 1, 3]);
    return p as tf.Tensor4D;
  });
}

/**
 * `values` ([lines, samples, bands]) divided by their peak, as a [1, lines, samples, bands]
 * scene tensor, and that peak.
 */
export function sceneTensor(
  values: Float32Array,
  lines: number,
  samples: number,
): { scene: tf.Tensor4D; peak: number } {
  const peak = normaliseByPeak(values);
  return {
    scene: tf.tensor4d(values, [1, lines, samples, values.length / (lines * samples)]),
    peak,
  };
}

/** `hr` x `hr` crops of `scene` at column `x0` and each of the rows `ys`, stacked. */
export function hrCrops(scene: tf.Tensor4D, hr: number, x0: number, ys: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.concat(ys.map((y) => cropPatch(scene, hr, x0, y))) as tf.Tensor4D);
}

/** LR by MATLAB-style bicubic x1/scale, as every fixture is degraded. */
export function downscale(hr: tf.Tensor4D, scale: number): tf.Tensor4D {
  return bicubicResize(hr, { scale: 1 / scale });
}

export interface SrTrainingOptions {
  /** [1, lines, samples, bands], values in about [0, 1]. */
  scene: tf.Tensor4D;
  /** Crops come only from columns [0, trainCols); the rest is held out. */
  trainCols: number;
  scale: number;
  hr: number;
  batch: number;
  steps: number;
  learningRate: number;
  rand: () => number;
  /** Stops before the next step when aborted; the model keeps the steps done. */
  signal?: AbortSignal;
  logEvery?: number;
  log?: (line: string) => void;
}

/**
 * Trains `model` (LR -> HR) with Adam on the L1 loss against random augmented HR crops, degraded
 * by MATLAB-style bicubic x1/scale. Returns the steps done and the last batch's L1.
 */
export async function trainSr(
  model: tf.LayersModel,
  o: SrTrainingOptions,
): Promise<{ steps: number; lastL1: number; seconds: number }> {
  const lines = o.scene.shape[1];
  const optimizer = tf.train.adam(o.learningRate);
  const log = o.log ?? console.log;
  const every = o.logEvery ?? 25;
  const t0 = Date.now();
  let lastL1 = Number.NaN;
  let step = 0;
  for (step = 1; step <= o.steps; step++) {
    // wasm reads resolve as microtasks: yield to the event loop so timers (AbortSignal.timeout) fire.
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) {
      step--;
      break;
    }
    const hr = tf.tidy(() =>
      tf.concat(
        Array.from({ length: o.batch }, () =>
          cropPatch(
            o.scene,
            o.hr,
            Math.floor(o.rand() * (o.trainCols - o.hr + 1)),
            Math.floor(o.rand() * (lines - o.hr + 1)),
            Math.floor(o.rand() * 8),
          ),
        ),
      ),
    ) as tf.Tensor4D;
    const lr = downscale(hr, o.scale);
    const loss = optimizer.minimize(
      () => tf.mean(tf.abs(tf.sub(model.apply(lr) as tf.Tensor, hr))) as tf.Scalar,
      true,
    ) as tf.Scalar;
    lastL1 = (await loss.data())[0];
    if (step % every === 0 || step === 1 || step === o.steps) {
      log(
        `step ${step}/${o.steps} L1 ${lastL1.toFixed(5)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
    tf.dispose([hr, lr, loss]);
  }
  optimizer.dispose();
  return { steps: Math.min(step, o.steps), lastL1, seconds: (Date.now() - t0) / 1000 };
}

/** Writes `batch` as raw little-endian float32 `<base>.bin` and `meta` (+ shape) as `<base>.json`. */
export async function writeCalibration(
  base: string,
  batch: tf.Tensor,
  meta: Record<string, unknown>,
): Promise<void> {
  const data = (await batch.data()) as Float32Array;
  await writeFile(`${base}.bin.tmp`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  await rename(`${base}.bin.tmp`, `${base}.bin`);
  const json = { shape: batch.shape, dtype: 'float32', byteOrder: 'little-endian', ...meta };
  await writeFile(`${base}.json.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  await rename(`${base}.json.tmp`, `${base}.json`);
}
