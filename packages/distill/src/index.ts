// Public API of @hsrkit/distill: a teacher/student (or plain supervised) trainer for TF.js
// LayersModels with feature alignment, schedules, validation, checkpoints and exact resume.
export { CheckpointError, DistillConfigError, DistillDataError } from './errors.js';
export { SeededRng } from './rng.js';
export { sumTensors } from './sum-tensors.js';
export type { Schedule } from './schedule.js';
export { decaySchedules, resolveDecay, type DecaySpec } from './decay-schedules.js';
export { lrSchedules, resolveLrSchedule, type LrScheduleSpec } from './lr-schedules.js';
export {
  channelCosine,
  cosineAlignmentLoss,
  gradientLoss,
  l1Loss,
  l2Loss,
  spatialDifferences,
  spectralAngleLoss,
  spectralChordLoss,
  spectralGradientLoss,
} from './losses.js';
export { hiddenOptimizerScalars, restoreHiddenOptimizerScalars } from './checkpoint-state.js';
export { channelsOf, createAdapter, tapModel } from './taps.js';
export { createOptimizer, setLearningRate, type OptimizerSpec } from './optimizers.js';
export {
  disposeBatch,
  epochSource,
  type Batch,
  type DataSource,
  type ResumableDataSource,
  type StepDataSource,
} from './data-source.js';
export {
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointState,
  type CheckpointStore,
  type StoredArray,
} from './checkpoint.js';
export {
  hsiMetrics,
  validate,
  type MetricsFn,
  type ValidationData,
  type ValidationResult,
} from './validation.js';
export type {
  CheckpointOptions,
  LossSpec,
  TapSpec,
  TrainOptions,
  ValidationOptions,
} from './train-options.js';
export type { ProgressEvent, StepLosses, StepRecord, TrainResult } from './train-result.js';
export { train } from './trainer.js';
