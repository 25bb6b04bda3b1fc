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
  type AnyBandUpscaleFileOptions,
  type AnyBandUpscaleFileResult,
  upscaleFileWithAnyBand,
} from './upscale-file-node.js';
