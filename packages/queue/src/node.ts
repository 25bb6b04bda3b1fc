// Node entry of @hsrkit/queue: the browser-safe entry plus everything that needs Redis (BullMQ),
// files or worker threads: enqueueing scenes, queue status, waiting for the queue to drain, the
// worker and the shared-filesystem storage.
export * from './index.js';
export { type EnqueuedScene, type EnqueueScenesOptions, enqueueScenes } from './enqueue.js';
export { modelDigest } from './model-digest.js';
export {
  DEFAULT_REDIS_URL,
  QueueConnectionError,
  redactRedisUrl,
  redisConnection,
  resolveRedisUrl,
  withQueue,
} from './redis-url.js';
export { type QueueStatusOptions, queueStatus } from './queue-status.js';
export { type RunUpscaleWorkerOptions, runUpscaleWorker } from './run-worker.js';
export type { LocalInput, SceneStorage } from './scene-storage.js';
export { STAGING_DIR, sharedFileStorage } from './shared-file-storage.js';
export {
  type JobModel,
  type JobRunOptions,
  type RunUpscaleJobContext,
  runUpscaleJob,
  type TiledJobModelParts,
  tiledJobModel,
} from './upscale-job.js';
export {
  jobFailure,
  startUpscaleWorker,
  type UpscaleWorkerHandle,
  type UpscaleWorkerOptions,
} from './upscale-worker.js';
export { type WaitDrainedOptions, waitUntilDrained } from './wait-drained.js';
