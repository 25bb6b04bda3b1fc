export { findSubPixelTail, type SubPixelTailSplit } from './find-subpixel-tail.js';
export { registerWasmSimdKernels, type WasmSimdKernelsOptions } from './simd-kernels.js';
export { SubPixelTail, type SubPixelTailOptions, type SubPixelTailSpec } from './subpixel-tail.js';
