// Node entry of @hsrkit/inference: everything browser-safe (./index.js) plus model folders on disk,
// safetensors files, worker threads, the float32 file sink, file-to-file upscaling in bounded
// memory and the inference benchmark.
export * from './index.js';
export {
  loadModel,
  ModelFileError,
  modelFileBytes,
  modelJsonPath,
  nodeFileIO,
  saveModel,
  savedModelFiles,
} from './model-files.js';
export { checkModelOutputDir } from './model-output-dir.js';
export { readSafetensors } from './safetensors-file.js';
export { Float32FileSink } from './file-sink.js';
export {
  capWorkers,
  startTileRunner,
  startTileWorkers,
  type TileRunnerModule,
  type TileWorkerPool,
  type WorkerPoolOptions,
} from './tile-workers.js';
export {
  type BandStatistics,
  type BandStatsModel,
  type BandStatsRunner,
  type UpscaleFileOptions,
  type UpscaleFileResult,
  type UpscaleFileWithBandStatsOptions,
  upscaleFile,
  upscaleFileWithBandStats,
} from './upscale-file.js';
export {
  type UpscaleWithModelOptions,
  upscaleFileWithModel,
} from './upscale-with-model.js';
export {
  benchInference,
  type InferenceBenchOptions,
  type InferenceBenchResult,
  type ModelCostFn,
} from './inference-bench.js';
