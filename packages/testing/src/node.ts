// Vitest-free helpers for Node scripts and benches (the index also exports vitest suites).
// Backends and model files are started/read exactly as the product does it (@hsrkit/inference's
// runtime and Node model files).
export {
  ALL_BACKENDS,
  type BackendName,
  useBackend,
} from './backends.js';
export { loadModel, nodeFileIO, saveModel } from '@hsrkit/inference/node';
