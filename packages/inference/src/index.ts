// Public API of @hsrkit/inference, browser-safe (no Node built-ins): runtimes, tile plans and seam
// blending, tiled inference over your own tile source and sink, the fused sub-pixel tail runner,
// model metadata, safetensors bytes and PyTorch weight import. For any TF.js SR LayersModel. In a
// bundle, import the backend you want first (e.g. `import '@tensorflow/tfjs-backend-webgpu'`), then
// `selectRuntime('webgpu')`. Node adds files and worker threads: '@hsrkit/inference/node'.
export {
  type RuntimeInfo,
  type RuntimeName,
  type RuntimeOptions,
  RuntimeUnavailableError,
  allowRelaxedSimd,
  selectRuntime,
} from './runtime.js';
export {
  defaultTileEdge,
  MIN_TILE_PASSES_PER_WORKER,
  planTiles,
  type TilePlan,
  tileStarts,
  weightedRows,
  workersForCube,
} from './tile-plan.js';
export { axisBlendWeights } from './seam-blend.js';
export * from './tile-sink.js';
export { MemorySink, memorySource } from './memory-tiles.js';
export {
  modelTileRunner,
  type TiledOptions,
  type TileRunner,
  upscaleTiled,
} from './tiled-inference.js';
export { type FusedTileRunner, fusedTileRunner } from './fused-tail-runner.js';
export {
  type SelfEnsembleOptions,
  type SrPass,
  selfEnsemble,
  selfEnsembleTileRunner,
} from './self-ensemble.js';
export {
  type HsrkitModelMetadata,
  modelBands,
  modelScale,
  readModelMetadata,
  withModelMetadata,
} from './model-metadata.js';
export { UpscaleInputError } from './upscale-input-error.js';
export { parseSafetensors, type SafeTensor, SafetensorsError } from './safetensors.js';
export {
  type MappedWeight,
  PYTORCH_TO_TF_AXES,
  pytorchShuffleToTf,
  StateDictImporter,
  WeightMappingError,
} from './pytorch-import.js';
