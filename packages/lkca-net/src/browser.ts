// Browser-safe public API of @hsrkit/lkca-net (no Node built-ins): the model, runtimes, tiled
// inference over your own tile source/sink, cost and metadata. In a bundle, import the backend you
// want first (e.g. `import '@tensorflow/tfjs-backend-webgpu'`), then `selectRuntime('webgpu')`.
// Save and load with TF.js's own handlers ('indexeddb://name', HTTP URLs).
export {
  LKCA_LAYER_NAMES,
  type LkcaNetConfig,
  lkcaNet,
  lkcaStudent,
  lkcaTeacher,
  type ResolvedLkcaNetConfig,
  resolveLkcaNetConfig,
  type UpsamplerKind,
} from './model.js';
export { type LayerCost, type ModelCost, modelCost } from './model-cost.js';
export {
  type HsrkitModelMetadata,
  modelBands,
  readModelMetadata,
  withModelMetadata,
} from './model-metadata.js';
export {
  type RuntimeInfo,
  type RuntimeName,
  type RuntimeOptions,
  RuntimeUnavailableError,
  allowRelaxedSimd,
  selectRuntime,
} from './runtime.js';
export { parseSafetensors, type SafeTensor, SafetensorsError } from './safetensors-parse.js';
export { axisBlendWeights, tileStarts } from './tiling.js';
export { type FusedTileRunner, fusedTileRunner } from './fused-tail-runner.js';
export {
  accumulateShared,
  defaultTileEdge,
  MemorySink,
  memorySource,
  modelTileRunner,
  planTiles,
  type TiledOptions,
  type TilePlan,
  type TileRunner,
  type TileSink,
  type TileSource,
  type SharedOutput,
  upscaleTiled,
  type Window,
} from './tiled-inference.js';
