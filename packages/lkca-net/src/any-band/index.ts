// Public API of the any-band model (browser-safe; file save/load is in ./node.ts).
export {
  AnyBandSR,
  type AnyBandCreateOptions,
  type AnyBandPredictOptions,
  type AnyBandTensorOptions,
} from './any-band-model.js';
export { AnyBandChain } from './any-band-chain.js';
export { ANY_BAND_FORMAT, type AnyBandConfig, checkAnyBandConfig } from './config.js';
export { type AnyBandCoreOptions, anyBandCore, seedWeights } from './core.js';
export { coreForward, RELATIVE_SOFTENING, type ResidualMode } from './core-forward.js';
export { AnyBandConfigError, AnyBandInputError } from './errors.js';
export { type BandGroupPlan, planBandGroups, reflectBand, slotWeight } from './grouping.js';
export {
  type BandMoments,
  bandMoments,
  type GroupNormalization,
  groupNormalization,
} from './normalization.js';
export { type AnyBandLossWeights, anyBandLoss } from './loss.js';
export {
  copyMatchingCoreWeights,
  type RescaledModel,
  rescaledAnyBandModel,
} from './rescale-init.js';
export { type AnyBandTileRunnerOptions, anyBandTileRunner } from './tile-runner.js';
export {
  type AnyBandPatchBatch,
  type AnyBandSamplerOptions,
  type AnyBandTrainScene,
  prepareAnyBandScene,
  sampleAnyBandBatch,
} from './patch-sampler.js';
export {
  type AnyBandProgress,
  type AnyBandSnapshot,
  type AnyBandTrainingOptions,
  type AnyBandTrainingResult,
  type AnyBandTrainingState,
  type AnyBandValidationRecord,
  type NamedWeight,
  trainAnyBand,
} from './train.js';
export {
  type AnyBandSceneScore,
  anyBandValidationScore,
  type BicubicScoreCache,
  scoreAnyBandScene,
} from './validation.js';
