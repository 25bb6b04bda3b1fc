import {
  compileModule,
  SimdArena,
  type SimdBuild,
  type SimdModuleExports,
} from '../wasm-core/simd-module.js';
import {
  sharedMemorySupported,
  startWasmThreads,
  type ThreadedExports,
  type WasmThreads,
} from '../wasm-core/thread-pool.js';
import {
  TRAINING_RELAXED_THREADS_WASM,
  TRAINING_RELAXED_WASM,
  TRAINING_SIMD_THREADS_WASM,
  TRAINING_SIMD_WASM,
} from './training-kernels-wasm.js';

/** What training-kernels.c exports (pointers and sizes are plain numbers; nth: threads to use). */
export interface TrainingExports extends SimdModuleExports {
  wt_pack_size(cin: number, cout: number, flip: number, groups: number): number;
  wt_pack(
    g: number,
    u: number,
    cin: number,
    cout: number,
    flip: number,
    groups: number,
    nth: number,
  ): void;
  wt_conv_scratch(cin: number): number;
  wt_conv(
    x: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    u: number,
    bias: number,
    cout: number,
    groups: number,
    out: number,
    scratch: number,
    scratchPerThread: number,
    nth: number,
  ): void;
  wt_filter_grad_scratch(cin: number, cout: number): number;
  wt_filter_grad(
    x: number,
    dy: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    cout: number,
    groups: number,
    dw: number,
    scratch: number,
    nth: number,
  ): void;
  wt_bias_grad_scratch(rows: number, c: number): number;
  wt_bias_grad(dy: number, rows: number, c: number, db: number, scratch: number, nth: number): void;
  wt_depthwise(...args: number[]): void;
  wt_matmul_scratch(m: number, k: number, n: number): number;
  lkb_pack_fuse(k: number, u: number, C: number, stages: number, groups: number): void;
  lkt_forward(...args: number[]): void;
  lkt_backward_scratch(
    n: number,
    h: number,
    w: number,
    C: number,
    stages: number,
    k: number,
    hid: number,
    groups: number,
  ): number;
  lkt_slot_size(C: number, stages: number, k: number, hid: number, groups: number): number;
  lkt_backward(...args: number[]): void;
  wt_matmul(...args: [...MatmulOperands, scratch: number, nth: number]): void;
}

/** wt_matmul's operands: out [m][n] = op(A) op(B), op transposing A where ta is 1 (likewise tb). */
export type MatmulOperands = [
  a: number,
  b: number,
  out: number,
  m: number,
  k: number,
  n: number,
  ta: 0 | 1,
  tb: 0 | 1,
];

export interface TrainingModule {
  ex: TrainingExports;
  arena: SimdArena<TrainingExports>;
  build: SimdBuild;
  /** Threads the kernels run on (1: no workers). */
  threads: number;
  close(): Promise<void>;
}

// The threaded builds import 64 pages (scripts/build-wasm.mjs --initial-memory) up to 2 GiB.
const INITIAL_PAGES = 64;
const MAX_PAGES = 32768;
const WORKER_STACK = 256 * 1024;

/**
 * An instance of training-kernels.c: `threads` > 1 (and an engine that shares memory between
 * threads) gives the threaded build with threads - 1 workers, else the one-thread build.
 */
export async function startTrainingModule(
  build: SimdBuild,
  threads: number,
): Promise<TrainingModule> {
  const relaxed = build === 'relaxed';
  if (threads <= 1 || !sharedMemorySupported()) {
    const module = await compileModule(
      `training-${build}`,
      relaxed ? TRAINING_RELAXED_WASM : TRAINING_SIMD_WASM,
    );
    const ex = (await WebAssembly.instantiate(module, {})).exports as unknown as TrainingExports;
    return { ex, arena: new SimdArena(ex), build, threads: 1, close: async () => {} };
  }
  const module = await compileModule(
    `training-${build}-threads`,
    relaxed ? TRAINING_RELAXED_THREADS_WASM : TRAINING_SIMD_THREADS_WASM,
  );
  const memory = new WebAssembly.Memory({
    initial: INITIAL_PAGES,
    maximum: MAX_PAGES,
    shared: true,
  });
  const exports = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  const ex = { ...exports, memory } as unknown as TrainingExports & ThreadedExports;
  const arena = new SimdArena<TrainingExports>(ex);
  // The workers' stacks come first and stay: everything after `start` is the kernels' heap.
  const stackTops = Array.from(
    { length: threads - 1 },
    () => arena.take(WORKER_STACK) + WORKER_STACK,
  );
  let pool: WasmThreads;
  try {
    pool = await startWasmThreads(module, memory, ex, stackTops);
  } catch {
    // No workers here (e.g. a worker cannot start): one thread, same module.
    return { ex, arena: new SimdArena(ex, arena.mark), build, threads: 1, close: async () => {} };
  }
  return {
    ex,
    arena: new SimdArena(ex, arena.mark),
    build,
    threads: pool.workers + 1,
    close: () => pool.close(),
  };
}
