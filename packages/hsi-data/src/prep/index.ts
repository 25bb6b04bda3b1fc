// Preparing cubes for SR: normalisation, degradation, patch datasets, augmentation.
export {
  type BipImage,
  type CubeLike,
  cubeToBip,
  isTensor,
  toBipImage,
} from './cube-input.js';
export {
  type AugmentMode,
  type BatchIterationOptions,
  type BatchProgress,
  type CubeSource,
  inMemorySource,
  type PatchBatch,
  PatchDataset,
  type PatchDatasetOptions,
  type PatchItem,
  streamingSource,
} from './dataset.js';
export {
  addGaussianNoise,
  bicubicDownsample,
  bicubicUpsample,
  type BlurOptions,
  type DegradeOptions,
  degrade,
  downsampleCube,
  downsampledLength,
  gaussianBlur,
  gaussianKernel1d,
  type NoiseOptions,
} from './degrade.js';
export {
  DIHEDRAL_ALL,
  type DihedralIndex,
  dihedralInverse,
  dihedralSourceTable,
  dihedralTransform,
} from './dihedral.js';
export {
  applyNormalization,
  checkRecord,
  denormalize,
  fitNormalization,
  type NormalizationRecord,
  type NormalizeResult,
  type NormalizeSpec,
  normalize,
} from './normalize.js';
export { percentiles } from './percentile.js';
export {
  type PatchPosition,
  patchGrid,
  type Region,
  type SplitSpec,
  splitTrainTest,
  type TrainTestSplit,
} from './patches.js';
export { mixSeed, mulberry32, seededNormal, seededShuffle } from './random.js';
