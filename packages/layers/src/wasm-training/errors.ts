/**
 * Thrown by the WASM training kernels: the wasm backend is not loaded, or a kernel got a
 * configuration it cannot compute (names the kernel and the attribute at fault).
 */
export class WasmTrainingError extends Error {
  override name = 'WasmTrainingError';
  constructor(
    readonly kernel: string,
    message: string,
  ) {
    super(`${kernel}: ${message}`);
  }
}
