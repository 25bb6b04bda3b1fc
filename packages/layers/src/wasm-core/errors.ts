/**
 * Thrown by this package's WebAssembly kernels, inference and training alike: the wasm backend is
 * not loaded, the engine lacks a feature, or a kernel got a configuration it cannot compute (names
 * the kernel or function and the attribute at fault).
 */
export class WasmKernelError extends Error {
  override name = 'WasmKernelError';
  constructor(
    readonly kernel: string,
    message: string,
  ) {
    super(`${kernel}: ${message}`);
  }
}
