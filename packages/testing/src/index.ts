export {
  ALL_BACKENDS,
  type BackendName,
  useBackend,
} from './backends.js';
export {
  expectNoLeak,
  maxAbsDiff,
  maxRelDiff,
  seededValues,
  type NumericArray,
} from './compare.js';
export { describeBackends } from './describe-backends.js';
