import type * as tf from '@tensorflow/tfjs';
import type { ValidationResult } from './validation.js';

export interface StepLosses {
  total: number;
  reconstruction: number;
  /** The output-level spectral terms (outputSam, outputSpectralGradient), weighted. */
  spectral: number;
  cosine: number;
  sam: number;
  gradient: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
}

export interface StepRecord extends StepLosses {
  /** Steps completed after this one. */
  step: number;
  lr: number;
  decay: number;
}

export interface ProgressEvent {
  step: number;
  totalSteps: number;
  losses: StepLosses;
  lr: number;
  /** D(t) used at this step. */
  decay: number;
  stepsPerSecond: number;
  /** Seconds left at the current rate. */
  etaSeconds: number;
  elapsedSeconds: number;
  /** Fraction of the run's budget used: of `steps`, or of `minutes` (whichever is further). */
  budgetFraction: number;
  /** Set on steps where validation ran. */
  validation?: ValidationResult;
  /** Set on steps where a checkpoint was written: where. */
  checkpoint?: string;
}

export interface TrainResult {
  /** Steps completed (of the whole run, counting those before a resume). */
  step: number;
  totalSteps: number;
  aborted: boolean;
  /** The checkpoint step this call continued from, or null for a fresh start. */
  resumedFrom: number | null;
  history: StepRecord[];
  validations: ValidationResult[];
  lastCheckpoint?: string;
  /** The adapters in use, one per tap (null where none). */
  adapters: (tf.LayersModel | null)[];
  /** Releases adapters the trainer created. */
  dispose(): void;
  /** Which kernels trained, e.g. "XNNPACK + @hsrkit/layers training kernels (relaxed SIMD, FMA; 2 threads)". */
  kernels: string;
}
