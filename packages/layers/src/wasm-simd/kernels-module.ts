import { compileModule, type SimdBuild, type SimdModuleExports } from '../wasm-core/simd-module.js';
import { RELAXED_KERNELS_WASM, SIMD_KERNELS_WASM } from './kernels-wasm.js';

/** What kernels.c exports (pointers and sizes are plain numbers). */
export interface SimdExports extends SimdModuleExports {
  wino_pack(g: number, u: number, cinG: number, cout: number): void;
  pointwise_pack(g: number, u: number, cinG: number, cout: number): void;
  wino_tail(...args: any[]): void;
  pointwise_tail(...args: any[]): void;
  resize_rows(...args: any[]): void;
  lkb_pack_fuse(k: number, u: number, C: number, stages: number, groups: number): void;
  lkb_forward(...args: any[]): void;
}

/** A fresh instance (own linear memory) of one build of kernels.c. */
export async function instantiateSimd(build: SimdBuild): Promise<SimdExports> {
  const module = await compileModule(
    `kernels-${build}`,
    build === 'relaxed' ? RELAXED_KERNELS_WASM : SIMD_KERNELS_WASM,
  );
  const instance = await WebAssembly.instantiate(module, {});
  return instance.exports as unknown as SimdExports;
}
