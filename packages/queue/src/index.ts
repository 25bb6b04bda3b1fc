// Browser-safe entry of @hsrkit/queue: the job schema, output naming, idempotency records and
// queue counts, so a dashboard or producer in a browser can share them. Redis, BullMQ, files and
// the worker are Node-only, under '@hsrkit/queue/node' (docs/ARCHITECTURE.md, "Entries").
export {
  DEFAULT_QUEUE_NAME,
  parseUpscaleJobData,
  UPSCALE_JOB_NAME,
  type UpscaleJobData,
  type UpscaleJobProgress,
  type UpscaleJobResult,
} from './job-data.js';
export { sceneJobId } from './job-id.js';
export {
  OUTPUT_EXTENSIONS,
  type OutputExtension,
  outputPathFor,
  sceneStem,
} from './output-name.js';
export {
  type OutputRecord,
  type OutputRecordKey,
  outputRecordPath,
  recordMatches,
  type StoredFile,
} from './output-record.js';
export {
  type ActiveJob,
  isDrained,
  type JobFailure,
  type QueueCounts,
  type QueueStatus,
} from './queue-counts.js';
export { QueueInputError } from './queue-errors.js';
