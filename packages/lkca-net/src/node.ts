// Node entry of @hsrkit/lkca-net: the browser-safe API ('.') plus what needs Node: LKCA-Net's
// PyTorch weights from a file, training on scenes and on cube files, analysis and compression of
// saved models, the demo scene and the demo, and the Node API of @hsrkit/inference that lkca-net
// used to hold (model files, worker threads, file-to-file tiled inference, the inference
// benchmark), re-exported. The `lkca` CLI is built on these.
export * from './index.js';
// Moved to @hsrkit/inference (./node), re-exported so that code written against lkca-net keeps working.
export {
  benchInference,
  Float32FileSink,
  type InferenceBenchOptions,
  type InferenceBenchResult,
  loadModel,
  ModelFileError,
  modelJsonPath,
  nodeFileIO,
  readSafetensors,
  saveModel,
  startTileRunner,
  startTileWorkers,
  type TileWorkerPool,
  type UpscaleFileOptions,
  type UpscaleFileResult,
  upscaleFile,
  type WorkerPoolOptions,
} from '@hsrkit/inference/node';
export { loadPytorchWeights } from './pytorch-weights-file.js';
export {
  choosePatchAndBatch,
  type PatchAndBatch,
  type SceneTrainingOptions,
  type SceneTrainingResult,
  trainOnScenes,
} from './training.js';
export { type SceneFileTrainingOptions, trainOnSceneFiles } from './train-on-files.js';
export {
  analyzeSavedModel,
  type SavedModelAnalysis,
  type SavedModelAnalysisOptions,
} from './analyze-saved-model.js';
export {
  calibrationBatch,
  compressSavedModel,
  type SavedModelCompression,
  type SavedModelCompressionResult,
} from './compress-saved-model.js';
export * from './demo-scene.js';
export { type DemoOptions, type DemoResult, runDemo } from './run-demo.js';
export {
  type CascadeStageRun,
  type CascadeUpscaleFileOptions,
  runCascadeStages,
  upscaleFileWithCascade,
} from './cascade-file-node.js';
export { isCascadeModelPath, loadCascadeJobModel } from './cascade-job-model-node.js';
export {
  CASCADE_FILE,
  type CascadeConfig,
  CascadeConfigError,
  readCascadeConfig,
} from './model-cascade.js';
export {
  describeModelFolder,
  type HeldOutMean,
  heldOutMean,
  listShippedModels,
  ModelKindError,
  ModelNotFoundError,
  resolveModel,
  singleModel,
  SHIPPED_MODELS_DIR,
  type ShippedModel,
} from './shipped-models.js';
export * from './any-band/node.js';
