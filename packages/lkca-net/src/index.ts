// Public API of @hsrkit/lkca-net: the LKCA-Net model, runtimes, Node model files, PyTorch weights,
// tiled inference, training on scenes, evaluation. The `lkca` CLI is built on these.
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
  selectRuntime,
} from './runtime.js';
export { loadModel, ModelFileError, modelJsonPath, nodeFileIO, saveModel } from './io-node.js';
export {
  parseSafetensors,
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
} from './safetensors.js';
export { loadPytorchStateDict, loadPytorchWeights, WeightMappingError } from './pytorch-weights.js';
export { axisBlendWeights, tileStarts } from './tiling.js';
export {
  MemorySink,
  memorySource,
  modelTileRunner,
  type TiledOptions,
  type TileRunner,
  type TileSink,
  type TileSource,
  upscaleTiled,
  type Window,
} from './tiled-inference.js';
export { Float32FileSink } from './file-sink.js';
export { startTileWorkers, type TileWorkerPool, type WorkerPoolOptions } from './tile-workers.js';
export {
  modelScale,
  upscaleFile,
  type UpscaleFileOptions,
  type UpscaleFileResult,
  UpscaleInputError,
} from './upscale-file.js';
export { evaluateScene, type SceneEvaluation } from './evaluate.js';
export { type SceneTrainingOptions, type SceneTrainingResult, trainOnScenes } from './training.js';
export {
  DEMO_HOLD_OUT,
  DEMO_MODEL_PATH,
  DEMO_SCALE,
  DEMO_SCENE_PATH,
  readDemoScene,
} from './demo-scene.js';
