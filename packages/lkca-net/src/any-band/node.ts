// Node-only part of the any-band API: model folders on disk.
export * from './index.js';
export {
  type LoadedAnyBandCheckpoint,
  loadAnyBandCheckpoint,
  saveAnyBandCheckpoint,
} from './checkpoint-node.js';
export {
  ANY_BAND_CONFIG_FILE,
  checkModelOutputDir,
  loadAnyBandModel,
  readAnyBandConfig,
  saveAnyBandModel,
} from './io-node.js';
export {
  type AnyBandFileTrainingOptions,
  type AnyBandFileTrainingResult,
  chooseAnyBandPatch,
  type PatchChoice,
  trainAnyBandOnFiles,
} from './train-files-node.js';
export {
  ANY_BAND_PERMANENT_ERRORS,
  isAnyBandModelPath,
  loadAnyBandJobModel,
} from './job-model-node.js';
export {
  ANY_BAND_FILE_TILE,
  type AnyBandFileRunOptions,
  type AnyBandThreadOptions,
  type AnyBandThreads,
  type AnyBandUpscaleFileOptions,
  type AnyBandUpscaleFileResult,
  upscaleFileWithAnyBand,
  startAnyBandThreads,
  upscaleFileWithAnyBandModel,
} from './upscale-file-node.js';
