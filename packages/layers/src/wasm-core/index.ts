export { WasmKernelError } from './errors.js';
export { restoreStockWasmKernels } from './kernel-registry.js';
export { relaxedSimdSupported, resetSubPixelModules, type SimdBuild } from './simd-module.js';
