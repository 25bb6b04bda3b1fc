import * as tf from '@tensorflow/tfjs';
import { resolveDecay } from './decay-schedules.js';
import { DistillConfigError } from './errors.js';
import { resolveLrSchedule } from './lr-schedules.js';
import { requireFinite, requireInteger, requirePositive } from './number-checks.js';
import type { Schedule } from './schedule.js';
import type { CheckpointOptions, TrainOptions, ValidationOptions } from './train-options.js';

/** A feature tap with its defaults filled in. */
export interface ResolvedTap {
  student: string;
  teacher: string;
  weight: number;
}

/** The loss terms' weights (see `LossSpec`), defaults filled in. */
export interface LossWeights {
  reconstruction: 'l1' | 'l2';
  reconstructionWeight: number;
  alpha: number;
  cosine: number;
  sam: number;
  gradient: number;
  outputSam: number;
  outputSpectralGradient: number;
}

/** `TrainOptions` checked, with defaults filled in and schedules as functions. */
export interface ResolvedTrainOptions {
  student: tf.LayersModel;
  teacher?: tf.LayersModel;
  totalSteps: number;
  /** The wall-clock budget in seconds (Infinity: none). */
  budgetSeconds: number;
  taps: ResolvedTap[];
  loss: LossWeights;
  lrAt: Schedule;
  decayAt: Schedule;
  clipNorm?: number;
  seed: number;
  disposeBatches: boolean;
  keepHistory: boolean;
  validation?: ValidationOptions;
  checkpoint?: CheckpointOptions;
}

function resolveTaps(taps: TrainOptions['taps']): ResolvedTap[] {
  return (taps ?? []).map((t, i) => {
    const spec = typeof t === 'string' ? { student: t, teacher: t } : t;
    if (!spec || typeof spec.student !== 'string' || typeof spec.teacher !== 'string')
      throw new DistillConfigError(`taps[${i}]`, 'expected a layer name or {student, teacher}');
    const weight = spec.weight ?? 1;
    requireFinite(`taps[${i}].weight`, weight);
    return { student: spec.student, teacher: spec.teacher, weight };
  });
}

function resolveLoss(loss: TrainOptions['loss'] = {}): LossWeights {
  const reconstruction = loss.reconstruction ?? 'l1';
  if (reconstruction !== 'l1' && reconstruction !== 'l2')
    throw new DistillConfigError(
      'loss.reconstruction',
      `expected 'l1' or 'l2', got ${JSON.stringify(reconstruction)}`,
    );
  return {
    reconstruction,
    reconstructionWeight: requireFinite(
      'loss.reconstructionWeight',
      loss.reconstructionWeight ?? 1,
    ),
    alpha: requireFinite('loss.alpha', loss.alpha ?? 1),
    cosine: requireFinite('loss.cosine', loss.cosine ?? 1),
    sam: requireFinite('loss.sam', loss.sam ?? 1),
    gradient: requireFinite('loss.gradient', loss.gradient ?? 1),
    outputSam: requireFinite('loss.outputSam', loss.outputSam ?? 0),
    outputSpectralGradient: requireFinite(
      'loss.outputSpectralGradient',
      loss.outputSpectralGradient ?? 0,
    ),
  };
}

/**
 * Checks every option before anything is built, so a bad run fails with a DistillConfigError
 * naming the option and allocates nothing.
 */
export function resolveTrainOptions(opts: TrainOptions): ResolvedTrainOptions {
  const { student, teacher } = opts;
  if (!(student instanceof tf.LayersModel))
    throw new DistillConfigError('student', 'expected a tf.LayersModel');
  if (teacher !== undefined && !(teacher instanceof tf.LayersModel))
    throw new DistillConfigError('teacher', 'expected a tf.LayersModel');
  if (opts.steps === undefined && opts.minutes === undefined)
    throw new DistillConfigError('steps', 'give steps or minutes (or both)');
  // Without steps, the budget alone ends the run: the step count is unbounded.
  const totalSteps =
    opts.steps === undefined ? Number.MAX_SAFE_INTEGER : requireInteger('steps', opts.steps, 1);
  const budgetSeconds =
    opts.minutes === undefined
      ? Number.POSITIVE_INFINITY
      : requirePositive('minutes', opts.minutes) * 60;
  const taps = resolveTaps(opts.taps);
  if (teacher && taps.length === 0)
    throw new DistillConfigError('taps', 'a teacher needs at least one feature tap');
  if (!teacher && taps.length > 0)
    throw new DistillConfigError('teacher', 'taps are given but no teacher');
  const loss = resolveLoss(opts.loss);
  const lrAt = resolveLrSchedule(opts.schedule);
  const decayAt = resolveDecay(opts.decay);
  const clipNorm = opts.clipNorm;
  if (clipNorm !== undefined && !(typeof clipNorm === 'number' && clipNorm > 0))
    throw new DistillConfigError('clipNorm', `expected a number > 0, got ${String(clipNorm)}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new DistillConfigError('seed', `expected an integer, got ${String(seed)}`);
  const validation = opts.validation;
  if (validation) requireInteger('validation.every', validation.every, 1);
  const checkpoint = opts.checkpoint;
  if (checkpoint) {
    requireInteger('checkpoint.every', checkpoint.every, 1);
    if (!checkpoint.dir && !checkpoint.store)
      throw new DistillConfigError('checkpoint', 'give a dir or a store');
  }
  if (opts.resume === true && !checkpoint)
    throw new DistillConfigError('resume', 'resume: true needs checkpoint.dir or checkpoint.store');
  return {
    student,
    teacher,
    totalSteps,
    budgetSeconds,
    taps,
    loss,
    lrAt,
    decayAt,
    clipNorm,
    seed,
    disposeBatches: opts.disposeBatches ?? true,
    keepHistory: opts.keepHistory ?? true,
    validation,
    checkpoint,
  };
}
