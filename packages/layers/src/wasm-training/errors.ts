import { WasmKernelError } from '../wasm-core/errors.js';

/**
 * @deprecated Use WasmKernelError: every wasm kernel of this package (inference and training)
 * throws it. Kept as an alias so `instanceof WasmTrainingError` still holds.
 */
export const WasmTrainingError = WasmKernelError;
/** @deprecated Use WasmKernelError. */
export type WasmTrainingError = WasmKernelError;
