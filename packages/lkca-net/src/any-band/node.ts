// Node-only part of the any-band API: model folders on disk.
export * from './index.js';
export {
  ANY_BAND_CONFIG_FILE,
  loadAnyBandModel,
  saveAnyBandModel,
} from './io-node.js';
export {
  type AnyBandUpscaleFileOptions,
  type AnyBandUpscaleFileResult,
  upscaleFileWithAnyBand,
} from './upscale-file-node.js';
