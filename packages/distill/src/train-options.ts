import type * as tf from '@tensorflow/tfjs';
import type { CheckpointState, CheckpointStore } from './checkpoint.js';
import type { DataSource } from './data-source.js';
import type { DecaySpec } from './decay-schedules.js';
import type { LrScheduleSpec } from './lr-schedules.js';
import type { OptimizerSpec } from './optimizers.js';
import type { Schedule } from './schedule.js';
import type { ProgressEvent } from './train-result.js';
import type { MetricsFn, ValidationData } from './validation.js';

/** A pair of aligned features: a layer of the student and one of the teacher, by name. */
export interface TapSpec {
  student: string;
  teacher: string;
  /** This pair's share of the alignment terms (default 1). */
  weight?: number;
}

/**
 * Loss = wRec * Rec(out, hr) + alpha * D(t) * sum over taps of
 *        weight * (cosine * (1 - cos) + sam * SAM + gradient * |grad_s - grad_t|).
 */
export interface LossSpec {
  /** 'l1' (default) or 'l2'. */
  reconstruction?: 'l1' | 'l2';
  reconstructionWeight?: number;
  /** The teacher's overall weight (default 1). */
  alpha?: number;
  /** Weight of (1 - cosine similarity) (default 1). */
  cosine?: number;
  /** Weight of the spectral angle in radians (default 1). */
  sam?: number;
  /** Weight of the spatial-gradient L1 term (default 1). */
  gradient?: number;
  /**
   * Output-level spectral terms, against the HR target, with or without a teacher (default 0):
   * the spectral angle (chord form, spectralChordLoss) and the band-to-band differences
   * (spectralGradientLoss). They keep spectra where L1 alone trades them for PSNR.
   */
  outputSam?: number;
  outputSpectralGradient?: number;
}

export interface ValidationOptions {
  data: ValidationData;
  /** Validate after every `every` steps, and after the last. */
  every: number;
  /** Scorer per image; default @hsrkit/hsi-data computeMetrics with preset 'sspsr'. */
  metrics?: MetricsFn;
}

export interface CheckpointOptions {
  /** A folder on disk (Node) ... */
  dir?: string;
  /** ... or any store (browser: IndexedDB, memory). */
  store?: CheckpointStore;
  /** Save after every `every` steps and after the last. */
  every: number;
  /** Checkpoints kept in `dir` (default 2). */
  keep?: number;
  /** Save when stopped by the AbortSignal (default true). */
  onAbort?: boolean;
}

export interface TrainOptions {
  student: tf.LayersModel;
  teacher?: tf.LayersModel;
  /** Feature pairs to align; a string names the same layer in both models. */
  taps?: (TapSpec | string)[];
  /**
   * Per tap: a model mapping the student feature to the teacher's width (trained with the
   * student), null for none; or 'auto' (default): a seeded 1x1 conv where widths differ.
   */
  adapters?: 'auto' | (tf.LayersModel | null)[];
  loss?: LossSpec;
  optimizer: OptimizerSpec;
  /** Learning rate: a spec, a fixed number, or a function of (step, totalSteps). */
  schedule: LrScheduleSpec | Schedule | number;
  /** D(t) for the teacher's weight (default constant 1). */
  decay?: DecaySpec | Schedule;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  data: DataSource;
  /** Total optimizer steps of the run (required unless `minutes` is given). */
  steps?: number;
  /**
   * Wall-clock budget in minutes (over all resumed parts of the run): training stops when it is
   * spent, and the LR and decay schedules run over the fraction of it used (or of `steps`,
   * whichever is further along).
   */
  minutes?: number;
  /** Seeds the trainer's generator (adapter init, data sources that take an rng). Default 0. */
  seed?: number;
  /** Dispose each training batch after its step (default true). */
  disposeBatches?: boolean;
  validation?: ValidationOptions;
  checkpoint?: CheckpointOptions;
  /** true: continue from the newest checkpoint in the store if there is one; or a state to continue from. */
  resume?: boolean | CheckpointState;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
  /** Keep every step's losses in the result (default true). */
  keepHistory?: boolean;
  /**
   * Kernels to train with (@hsrkit/layers' prepareTrainingKernels): 'fastest' (default; on wasm,
   * @hsrkit/layers' SIMD training kernels over worker threads) or 'tfjs' (TF.js's own). The
   * result's `kernels` says which ran.
   */
  kernels?: 'fastest' | 'tfjs';
}
