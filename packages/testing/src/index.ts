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
export { useTempDir } from './temp-dir.js';
export { compareFusedTail, type FusedTailComparison } from './fused-tail.js';
