import type * as tf from '@tensorflow/tfjs';
import { RELAXED_KERNELS_WASM, SIMD_KERNELS_WASM } from './kernels-wasm.js';

/** What kernels.c exports (pointers and sizes are plain numbers). */
export interface SimdExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  wino_pack(g: number, u: number, cinG: number, cout: number): void;
  pointwise_pack(g: number, u: number, cinG: number, cout: number): void;
  wino_tail(...args: any[]): void;
  pointwise_tail(...args: any[]): void;
  resize_rows(...args: any[]): void;
  lkb_pack_fuse(k: number, u: number, C: number, stages: number, groups: number): void;
  lkb_forward(...args: any[]): void;
}

export type SimdBuild = 'relaxed' | 'simd';

function decode(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let modules: Partial<Record<SimdBuild, Promise<WebAssembly.Module>>> = {};

/** Whether this engine runs the relaxed-SIMD (fused multiply-add) build. */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(decode(RELAXED_KERNELS_WASM) as BufferSource);
}

/** Forgets the compiled modules (so an engine flag turned on since is seen). */
export function resetSubPixelModules(): void {
  modules = {};
}

/** The build to use for a relaxedSimd option: 'auto' picks relaxed where the engine has it. */
export function chooseBuild(want: 'auto' | boolean | undefined): SimdBuild | null {
  if (want === false) return 'simd';
  if (relaxedSimdSupported()) return 'relaxed';
  return want === true ? null : 'simd';
}

/** A fresh instance (own linear memory) of one build; modules are compiled once per thread. */
export async function instantiateSimd(build: SimdBuild): Promise<SimdExports> {
  modules[build] ??= WebAssembly.compile(
    decode(build === 'relaxed' ? RELAXED_KERNELS_WASM : SIMD_KERNELS_WASM) as BufferSource,
  );
  const instance = await WebAssembly.instantiate(await modules[build]!, {});
  return instance.exports as unknown as SimdExports;
}

const ALIGN = 16;

/** A bump allocator over an instance's linear memory, from `start` (grows the memory as needed). */
export class SimdArena {
  private at: number;
  constructor(
    readonly ex: SimdExports,
    readonly start: number = Math.ceil(((ex.__heap_base.value as number) + 16) / ALIGN) * ALIGN,
  ) {
    this.at = start;
  }
  /** Reserves `bytes` (16-byte aligned) and returns its address. */
  take(bytes: number): number {
    const p = this.at;
    this.at = Math.ceil((this.at + bytes) / ALIGN) * ALIGN;
    const need = this.at - this.ex.memory.buffer.byteLength;
    if (need > 0) this.ex.memory.grow(Math.ceil(need / 65536));
    return p;
  }
  /** Everything taken since `mark` is free again. */
  reset(mark: number = this.start): void {
    this.at = mark;
  }
  get mark(): number {
    return this.at;
  }
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, at, n);
  }
  i32(at: number, n: number): Int32Array {
    return new Int32Array(this.ex.memory.buffer, at, n);
  }
  u8(at: number, n: number): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, at, n);
  }
}

/** A wasm-backend tensor's values: a view of the heap where reachable, else a copy. */
export function wasmTensorData(
  backend: tf.KernelBackend,
  t: tf.TensorInfo,
  n: number,
): Float32Array {
  const b = backend as unknown as {
    dataIdMap?: { get(id: object): { memoryOffset: number } | undefined };
    wasm?: { HEAPF32?: Float32Array };
  };
  const entry = b.dataIdMap?.get(t.dataId);
  const heap = b.wasm?.HEAPF32;
  if (entry && heap && entry.memoryOffset % 4 === 0)
    return heap.subarray(entry.memoryOffset / 4, entry.memoryOffset / 4 + n);
  return backend.readSync(t.dataId) as Float32Array;
}
