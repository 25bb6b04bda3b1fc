export {
  ALL_BACKENDS,
  type BackendName,
  useBackend,
  webgpuStatus,
  type WebGpuStatus,
} from './backends.js';
export {
  expectNoLeak,
  maxAbsDiff,
  maxRelDiff,
  seededValues,
  type NumericArray,
} from './compare.js';
export { describeBackends } from './describe-backends.js';
