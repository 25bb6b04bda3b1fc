// Public API of @hsrkit/lkca-net, browser-safe (no Node built-ins): the model and its cost,
// LKCA-Net's PyTorch state dict mapping, the evaluation protocol, and the browser-safe API of
// @hsrkit/inference re-exported (runtimes, tiled inference over your own tile source and sink,
// model metadata, safetensors bytes), so code written against lkca-net keeps working. Node adds
// files, worker threads, training and the demo: '@hsrkit/lkca-net/node'. In a bundle, import the
// backend you want first (e.g. `import '@tensorflow/tfjs-backend-webgpu'`), then
// `selectRuntime('webgpu')`; save and load with TF.js's own handlers ('indexeddb://name', URLs).
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
  accumulateShared,
  allowRelaxedSimd,
  axisBlendWeights,
  defaultTileEdge,
  type FusedTileRunner,
  fusedTileRunner,
  type HsrkitModelMetadata,
  MemorySink,
  memorySource,
  modelBands,
  modelScale,
  modelTileRunner,
  parseSafetensors,
  planTiles,
  readModelMetadata,
  type RuntimeInfo,
  type RuntimeName,
  type RuntimeOptions,
  RuntimeUnavailableError,
  type SafeTensor,
  SafetensorsError,
  type SharedOutput,
  selectRuntime,
  type TiledOptions,
  type TilePlan,
  type TileRunner,
  type TileSink,
  type TileSource,
  tileStarts,
  UpscaleInputError,
  upscaleTiled,
  WeightMappingError,
  type Window,
  withModelMetadata,
} from '@hsrkit/inference';
export { loadPytorchStateDict } from './pytorch-weights.js';
export { evaluateScene, type SceneEvaluation } from './evaluate.js';
export * from './any-band/index.js';
