// Vitest-free helpers for Node scripts and benches (the index also exports vitest suites).
// Backends and model files are started/read exactly as the product does it (lkca-net's runtime
// and Node IO handler), imported by path because this private package cannot depend on lkca-net.
export {
  ALL_BACKENDS,
  type BackendName,
  useBackend,
} from './backends.js';
export { loadModel, nodeFileIO, saveModel } from '../../lkca-net/src/io-node.js';
