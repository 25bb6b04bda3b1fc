export { batchMatMulWasm } from './batch-mat-mul.js';
export { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
export { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
export { depthwiseConv2dNativeBackpropFilterWasm } from './depthwise-backprop-filter.js';
export { depthwiseConv2dNativeBackpropInputWasm } from './depthwise-backprop-input.js';
export { WasmTrainingError } from './errors.js';
export { castWasm, identityWasm } from './shared-data.js';
export { packWasm } from './pack.js';
export {
  prepareTrainingKernels,
  type TrainingKernelsInfo,
  type TrainingKernelsOptions,
} from './prepare-training.js';
export {
  closeWasmSimdTrainingKernels,
  registerWasmSimdTrainingKernels,
  WASM_SIMD_TRAINING_KERNELS,
  type WasmSimdTrainingKernelsInfo,
  type WasmSimdTrainingKernelsOptions,
} from './simd-training-kernels.js';
export {
  registerWasmTrainingKernels,
  WASM_FASTER_TRAINING_KERNELS,
  WASM_TRAINING_KERNELS,
  type WasmKernelEntry,
  type WasmTrainingKernelOptions,
} from './stand-in-kernels.js';
export { sliceWasm } from './slice.js';
export { unpackWasm } from './unpack.js';
