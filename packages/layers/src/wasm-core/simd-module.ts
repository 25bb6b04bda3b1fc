import type * as tf from '@tensorflow/tfjs';

export type SimdBuild = 'relaxed' | 'simd';

/** The bytes of a base64-embedded module. */
export function decodeModule(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// (module (func (param v128 v128 v128) (result v128) local.get 0..2 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0,
  32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

let compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Whether this engine runs the relaxed-SIMD (fused multiply-add) builds. */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_PROBE as BufferSource);
}

/** Forgets the compiled modules (so an engine flag turned on since is seen). */
export function resetSubPixelModules(): void {
  compiled = new Map();
}

/** Compiles a base64-embedded module once per thread (per `key`). */
export function compileModule(key: string, base64: string): Promise<WebAssembly.Module> {
  let m = compiled.get(key);
  if (!m) {
    m = WebAssembly.compile(decodeModule(base64) as BufferSource);
    compiled.set(key, m);
  }
  return m;
}

/** The build to use for a relaxedSimd option: 'auto' picks relaxed where the engine has it. */
export function chooseBuild(want: 'auto' | boolean | undefined): SimdBuild | null {
  if (want === false) return 'simd';
  if (relaxedSimdSupported()) return 'relaxed';
  return want === true ? null : 'simd';
}

/** What every module of ours exports: its memory and where its heap starts. */
export interface SimdModuleExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
}

const ALIGN = 16;

/** A bump allocator over an instance's linear memory, from `start` (grows the memory as needed). */
export class SimdArena<E extends SimdModuleExports = SimdModuleExports> {
  private at: number;
  constructor(
    readonly ex: E,
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
