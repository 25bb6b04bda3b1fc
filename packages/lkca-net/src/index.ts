// Public API of @hsrkit/lkca-net for Node: everything browser-safe (./browser.js) plus Node model
// files, PyTorch weights from disk, file-to-file tiled inference with worker threads, training on
// scenes, evaluation and the demo scene. The `lkca` CLI is built on these.
export * from './browser.js';
export { loadModel, ModelFileError, modelJsonPath, nodeFileIO, saveModel } from './io-node.js';
export { readSafetensors } from './safetensors.js';
export { loadPytorchStateDict, loadPytorchWeights, WeightMappingError } from './pytorch-weights.js';
export { Float32FileSink } from './file-sink.js';
export {
  startTileRunner,
  startTileWorkers,
  type TileWorkerPool,
  type WorkerPoolOptions,
} from './tile-workers.js';
export {
  modelScale,
  UpscaleInputError,
  type UpscaleFileOptions,
  type UpscaleFileResult,
  upscaleFile,
} from './upscale-file.js';
export { evaluateScene, type SceneEvaluation } from './evaluate.js';
export {
  benchInference,
  type InferenceBenchOptions,
  type InferenceBenchResult,
} from './inference-bench.js';
export { type SceneTrainingOptions, type SceneTrainingResult, trainOnScenes } from './training.js';
export {
  DEMO_HOLD_OUT,
  DEMO_MODEL_PATH,
  DEMO_SCALE,
  DEMO_SCENE_PATH,
  readDemoScene,
} from './demo-scene.js';
