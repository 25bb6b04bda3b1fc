import * as tf from '@tensorflow/tfjs';

/**
 * wasm's own kernel configs, remembered when a faster stand-in replaces them. Kept on globalThis:
 * the kernel registry is process-global, and two copies of this package in one process (a bundle
 * and a dependency, dist and source) must restore the same stock kernels.
 */
const STOCK_KEY = Symbol.for('@hsrkit/layers/stock-wasm-kernels');
const globalStock = globalThis as unknown as Record<symbol, Map<string, tf.KernelConfig>>;
globalStock[STOCK_KEY] ??= new Map<string, tf.KernelConfig>();
const stock = globalStock[STOCK_KEY];

/** Replaces the registered wasm kernel by kernelFunc, remembering the stock one (idempotent). */
export function replaceWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, 'wasm');
  if (current?.kernelFunc === kernelFunc) return;
  if (current !== undefined) {
    if (!stock.has(kernelName)) stock.set(kernelName, current);
    tf.unregisterKernel(kernelName, 'wasm');
  }
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

/** The stock wasm kernel a stand-in replaced (or the one registered now, if none was replaced). */
export function stockWasmKernel(kernelName: string): tf.KernelFunc | undefined {
  return (stock.get(kernelName) ?? tf.getKernel(kernelName, 'wasm'))?.kernelFunc;
}

// Kernels of our own that TF.js has no stock version of (e.g. a whole LKB), removed on restore.
const ADDED_KEY = Symbol.for('@hsrkit/layers/added-wasm-kernels');
const globalAdded = globalThis as unknown as Record<symbol, Set<string>>;
globalAdded[ADDED_KEY] ??= new Set<string>();
const added = globalAdded[ADDED_KEY];

/** Registers a wasm kernel under a name of our own (idempotent); restoreStockWasmKernels() removes it. */
export function addWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  added.add(kernelName);
}

/**
 * Puts back every stock wasm kernel that a stand-in replaced (registerWasmTrainingKernels({
 * replaceSlowKernels }), registerWasmSimdKernels, registerWasmWinogradConv) and removes the
 * kernels of our own they added.
 */
export function restoreStockWasmKernels(): void {
  for (const [kernelName, config] of stock) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(config);
  }
  stock.clear();
  for (const kernelName of added)
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  added.clear();
}
