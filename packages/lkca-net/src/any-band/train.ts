import { hiddenOptimizerScalars, restoreHiddenOptimizerScalars, sumTensors } from '@hsrkit/distill';
import * as tf from '@tensorflow/tfjs';
import type { AnyBandSR } from './any-band-model.js';
import { coreForward } from './core-forward.js';
import { AnyBandConfigError } from './errors.js';
import { type AnyBandLossWeights, anyBandLoss } from './loss.js';
import { type AnyBandTrainScene, sampleAnyBandBatch } from './patch-sampler.js';
import {
  type AnyBandSceneScore,
  anyBandValidationScore,
  type BicubicScoreCache,
  scoreAnyBandScene,
} from './validation.js';

/** An optimizer slot or weight by name (what TF.js optimizers' getWeights/setWeights take). */
export interface NamedWeight {
  name: string;
  tensor: tf.Tensor;
}

export interface AnyBandValidationRecord {
  step: number;
  minutes: number;
  score: number;
  scenes: AnyBandSceneScore[];
}

/** Where a run stands: JSON-able, saved with checkpoints so a run resumes where it stopped. */
export interface AnyBandTrainingState {
  step: number;
  /** Seconds spent in the run so far (steps and validations), over all its resumed parts. */
  seconds: number;
  best: AnyBandValidationRecord | null;
  validations: AnyBandValidationRecord[];
  /** Adam's running beta powers, which its getWeights leaves out (@hsrkit/distill's
   * hiddenOptimizerScalars): kept so a resumed run is exact. */
  optimizerScalars?: Record<string, number>;
}

export interface AnyBandProgress {
  step: number;
  loss: number;
  lr: number;
  /** Fraction of the budget (steps or minutes, whichever runs out first) used. */
  fraction: number;
  stepsPerSecond: number;
  validation?: AnyBandValidationRecord;
  /** True when this validation is the best so far. */
  best?: boolean;
}

export interface AnyBandSnapshot {
  state: AnyBandTrainingState;
  model: AnyBandSR;
  /** The optimizer's slots (Adam's moments), in the core's trainable-weight order. */
  optimizer: NamedWeight[];
}

export interface AnyBandTrainingOptions {
  /** The model to train, in place: fresh (AnyBandSR.create) or loaded (fine-tuning). */
  model: AnyBandSR;
  /** Training scenes (prepareAnyBandScene; any band counts >= the group size). */
  scenes: AnyBandTrainScene[];
  /** Whole crops never trained on: scored every `validateEvery`, the best weights are kept. */
  validation?: AnyBandTrainScene[];
  /** Budgets: the run ends when either is spent; the LR schedule runs over it. One is required. */
  minutes?: number;
  steps?: number;
  /** LR patch side (default 16) and batch size (default 16). */
  patch?: number;
  batch?: number;
  seed?: number;
  /** Peak LR (default 1e-3), its floor at the end (default 1e-5), linear warm-up steps (100). */
  lr?: number;
  lrMin?: number;
  warmup?: number;
  loss?: AnyBandLossWeights;
  /** Global gradient-norm clip (default 1). */
  clipNorm?: number;
  /** Band steps and their probabilities (default 1:0.5, 2:0.3, 3:0.2). */
  bandSteps?: [number, number][];
  /** Minutes between validations (default: a tenth of the budget, at least 0.5). */
  validateMinutes?: number;
  /** Put the best-validated weights back into the model at the end (default true). */
  restoreBest?: boolean;
  /** Continue a run: its state and optimizer slots (from a snapshot). */
  resume?: { state: AnyBandTrainingState; optimizer: NamedWeight[] };
  /** Called every `checkpointMinutes` (default 4) and at the end, with what resuming needs. */
  checkpoint?: (snap: AnyBandSnapshot) => Promise<void>;
  checkpointMinutes?: number;
  /** Called with the model when a validation is the best so far (e.g. to save it). */
  onBest?: (model: AnyBandSR, record: AnyBandValidationRecord) => Promise<void>;
  onProgress?: (e: AnyBandProgress) => void;
  /** Stops after the current step; the result says so. */
  signal?: AbortSignal;
}

export interface AnyBandTrainingResult {
  state: AnyBandTrainingState;
  aborted: boolean;
  /** The last validation (of the weights the model holds at the end, when restoreBest). */
  best: AnyBandValidationRecord | null;
}

function checkPositive(field: string, v: number, int = false): number {
  if (!(Number.isFinite(v) && v > 0) || (int && !Number.isInteger(v)))
    throw new AnyBandConfigError(
      field,
      `expected a positive ${int ? 'integer' : 'number'}, got ${v}`,
    );
  return v;
}

/**
 * Trains (or fine-tunes) an any-band model: random groups of neighbouring bands from random
 * patches of the scenes (sampleAnyBandBatch, seeded per step so a resumed run draws the same
 * batches), the spectral loss (anyBandLoss), Adam with global-norm clipping, warm-up then cosine
 * LR over the budget, validation on whole crops with the best weights kept. Disposes every tensor
 * it makes; the model stays the caller's.
 */
export async function trainAnyBand(opts: AnyBandTrainingOptions): Promise<AnyBandTrainingResult> {
  const { model } = opts;
  const G = model.config.groupSize;
  const s = model.scale;
  const patch = checkPositive('patch', opts.patch ?? 16, true);
  const batch = checkPositive('batch', opts.batch ?? 16, true);
  const seed = opts.seed ?? 1;
  const lrPeak = checkPositive('lr', opts.lr ?? 1e-3);
  const lrMin = Math.min(lrPeak, opts.lrMin ?? 1e-5);
  const warmup = opts.warmup ?? 100;
  const clipNorm = opts.clipNorm ?? 1;
  const steps = opts.steps ?? Number.POSITIVE_INFINITY;
  const budget = (opts.minutes ?? Number.POSITIVE_INFINITY) * 60;
  if (!Number.isFinite(steps) && !Number.isFinite(budget))
    throw new AnyBandConfigError('budget', 'give steps or minutes (or both)');
  if (Number.isFinite(steps)) checkPositive('steps', steps, true);
  if (Number.isFinite(budget)) checkPositive('minutes', budget);
  if (!opts.scenes.length) throw new AnyBandConfigError('scenes', 'no training scene');
  for (const sc of opts.scenes) {
    if (sc.bands < G)
      throw new AnyBandConfigError(
        `scenes.${sc.id}`,
        `${sc.bands} bands, fewer than the model's group of ${G}`,
      );
    if (sc.lrRowLimit < patch || sc.cols / s < patch)
      throw new AnyBandConfigError(
        `scenes.${sc.id}`,
        `${sc.rows} x ${sc.cols} HR is smaller than a ${patch * s}-pixel training patch`,
      );
  }
  const fraction = (step: number, seconds: number) =>
    Math.max(
      Number.isFinite(steps) ? step / steps : 0,
      Number.isFinite(budget) ? seconds / budget : 0,
    );
  const lrAt = (step: number, f: number) => {
    if (step < warmup) return (lrPeak * (step + 1)) / warmup;
    const x = Math.min(1, Math.max(0, f));
    return lrMin + 0.5 * (lrPeak - lrMin) * (1 + Math.cos(Math.PI * x));
  };

  const state: AnyBandTrainingState = opts.resume
    ? structuredClone(opts.resume.state)
    : { step: 0, seconds: 0, best: null, validations: [] };
  const optimizer = tf.train.adam(lrPeak);
  const vars = model.core.trainableWeights.map((w) => w.read() as tf.Variable);
  if (opts.resume) {
    // Adam names its slots after the variables and keeps them in this order.
    if (opts.resume.optimizer.length !== 1 + 2 * vars.length)
      throw new AnyBandConfigError(
        'resume.optimizer',
        `${opts.resume.optimizer.length} tensors for a core of ${vars.length} weights (expected ${1 + 2 * vars.length})`,
      );
    await optimizer.setWeights(opts.resume.optimizer);
    restoreHiddenOptimizerScalars(optimizer, opts.resume.state.optimizerScalars);
  }
  const bicubicCache: BicubicScoreCache = new Map();
  // Held in an object: TS does not see assignments made inside the validate closure.
  const kept: { weights: tf.Tensor[] | null } = { weights: null };
  const validationMinutes =
    opts.validateMinutes ?? Math.max(0.5, Number.isFinite(budget) ? budget / 60 / 10 : 6);
  const checkpointMinutes = opts.checkpointMinutes ?? 4;

  const validate = async (): Promise<AnyBandValidationRecord | null> => {
    if (!opts.validation?.length) return null;
    const scenes: AnyBandSceneScore[] = [];
    for (const v of opts.validation) scenes.push(await scoreAnyBandScene(model, v, bicubicCache));
    const rec: AnyBandValidationRecord = {
      step: state.step,
      minutes: +(state.seconds / 60).toFixed(2),
      score: anyBandValidationScore(scenes),
      scenes,
    };
    state.validations.push(rec);
    const better = !state.best || rec.score > state.best.score;
    if (better) {
      state.best = rec;
      for (const t of kept.weights ?? []) t.dispose();
      kept.weights = model.core.getWeights().map((w) => w.clone());
      await opts.onBest?.(model, rec);
    }
    opts.onProgress?.({
      step: state.step,
      loss: Number.NaN,
      lr: Number.NaN,
      fraction: fraction(state.step, state.seconds),
      stepsPerSecond: Number.NaN,
      validation: rec,
      best: better,
    });
    return rec;
  };
  const snapshot = async () => {
    if (!opts.checkpoint) return;
    const named = await optimizer.getWeights();
    try {
      const snapState = {
        ...structuredClone(state),
        optimizerScalars: await hiddenOptimizerScalars(optimizer),
      };
      await opts.checkpoint({ state: snapState, model, optimizer: named });
    } finally {
      // getWeights makes a new scalar for the step count; the moments are the optimizer's own.
      named[0]?.tensor.dispose();
    }
  };

  let aborted = false;
  try {
    // A resumed run already scored its start; a fresh one scores the init (fine-tuning must beat it).
    if (state.step === 0) {
      const t0 = performance.now();
      await validate();
      state.seconds += (performance.now() - t0) / 1000;
    }
    let lastVal = performance.now();
    let lastCkpt = performance.now();
    let window = { steps: 0, start: performance.now() };
    const sampler = { scale: s, groupSize: G, patch, batch, seed, bandSteps: opts.bandSteps };
    const P = patch * s;
    while (state.step < steps && fraction(state.step, state.seconds) < 1) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const t0 = performance.now();
      const f = fraction(state.step, state.seconds);
      const lr = lrAt(state.step, f);
      // TF.js optimizers read their (protected) learningRate on every step.
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const b = sampleAnyBandBatch(opts.scenes, sampler, state.step);
      const lossT = tf.tidy(() => {
        const x = tf.tensor4d(b.x, [batch, patch, patch, G]);
        const y = tf.tensor4d(b.y, [batch, P, P, G]);
        const shift = tf.tensor4d(b.shift, [batch, 1, 1, 1]);
        const { value, grads } = tf.variableGrads(() => {
          const pred = coreForward(
            model.core,
            x,
            shift,
            s,
            model.config.residual ?? 'additive',
            true,
            model.config.relativeSoftening,
          );
          return anyBandLoss(pred, y, shift, opts.loss);
        }, vars);
        const list = vars.map((v) => grads[v.name]);
        const norm = tf.sqrt(sumTensors(list.map((g) => tf.sum(tf.square(g)))));
        const factor = tf.div(clipNorm, tf.maximum(norm, clipNorm));
        optimizer.applyGradients(
          vars.map((v, i) => ({ name: v.name, tensor: tf.mul(list[i], factor) })),
        );
        return value;
      });
      const loss = (await lossT.data())[0];
      lossT.dispose();
      if (!Number.isFinite(loss))
        throw new AnyBandConfigError(
          'lr',
          `the loss became ${loss} at step ${state.step}: lower the LR`,
        );
      state.step++;
      state.seconds += (performance.now() - t0) / 1000;
      window.steps++;
      const now = performance.now();
      opts.onProgress?.({
        step: state.step,
        loss,
        lr,
        fraction: fraction(state.step, state.seconds),
        stepsPerSecond: window.steps / ((now - window.start) / 1000),
      });
      if (window.steps >= 50) window = { steps: 0, start: now };
      if (now - lastVal > validationMinutes * 60_000) {
        const v0 = performance.now();
        await validate();
        state.seconds += (performance.now() - v0) / 1000;
        lastVal = performance.now();
      }
      if (now - lastCkpt > checkpointMinutes * 60_000) {
        await snapshot();
        lastCkpt = performance.now();
      }
    }
    if (!aborted) await validate();
    await snapshot();
    if ((opts.restoreBest ?? true) && kept.weights) model.core.setWeights(kept.weights);
    return { state, aborted, best: state.best };
  } finally {
    for (const t of kept.weights ?? []) t.dispose();
    optimizer.dispose();
  }
}
