import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { requireWasmBackend } from '../wasm-core/wasm-backend.js';
import { addWasmKernel, replaceWasmKernel } from '../wasm-core/kernel-registry.js';
import * as wasmConv from '../wasm-core/conv-kernels.js';
import { LKB_KERNEL, lkbKernel } from './lkb-kernel.js';
import { markContiguous, type PackedConv, packConv, runPackedConv } from './packed-conv.js';
import {
  chooseBuild,
  SimdArena,
  type SimdBuild,
  wasmTensorData,
} from '../wasm-core/simd-module.js';
import { instantiateSimd, type SimdExports } from './kernels-module.js';

type TensorInfo = tf.TensorInfo;

export interface WasmSimdKernelsOptions {
  /** 'auto' (default): the relaxed-SIMD (FMA) build where the engine has it; false: plain SIMD. */
  relaxedSimd?: 'auto' | boolean;
  /** Smallest Cin x Cout x pixels (MACs / 9 for 3x3) taken over (default 2^20); below, stock. */
  minWork?: number;
}

interface Packed {
  /** Kernel packed for kernels.c (3x3: Winograd-transformed), in JS memory. */
  weights: Float32Array;
  shape: number[];
  groups: number;
}

let state: { mem: SimdArena<SimdExports>; build: SimdBuild; minWork: number } | null = null;
// Packed kernels by the filter's dataId (a model's weights keep theirs; dropped with them).
let packedByFilter = new WeakMap<object, Packed>();

/** The largest g (>1) for which a 1x1 kernel [Cin, Cout] is block-diagonal (0 outside), else 1. */
function blockDiagonalGroups(k: Float32Array, cin: number, cout: number): number {
  for (let g = Math.min(cin, cout); g > 1; g--) {
    if (cin % g || cout % g || (cout / g) % 8) continue;
    const ci = cin / g;
    const co = cout / g;
    let ok = true;
    for (let i = 0; i < cin && ok; i++) {
      const own = Math.floor(i / ci);
      const row = i * cout;
      for (let j = 0; j < cout; j++)
        if (k[row + j] !== 0 && Math.floor(j / co) !== own) {
          ok = false;
          break;
        }
    }
    if (ok) return g;
  }
  return 1;
}

function packed(backend: tf.KernelBackend, filter: TensorInfo): Packed {
  const hit = packedByFilter.get(filter.dataId);
  if (hit) return hit;
  const [kh, kw, cin, cout] = filter.shape;
  let k = backend.readSync(filter.dataId) as Float32Array;
  let groups = 1;
  if (kh === 1) {
    groups = blockDiagonalGroups(k, cin, cout);
    if (groups > 1) {
      // Keep the diagonal blocks only: [Cin/g, Cout] with row i holding input i's own block.
      const ci = cin / groups;
      const co = cout / groups;
      const blocks = new Float32Array(ci * cout);
      for (let g = 0; g < groups; g++)
        for (let i = 0; i < ci; i++)
          for (let j = 0; j < co; j++)
            blocks[i * cout + g * co + j] = k[(g * ci + i) * cout + g * co + j];
      k = blocks;
    }
  }
  const { mem } = state!;
  const mark = mem.mark;
  const p = packConv(mem, k, [kh, kw, cin / groups, cout], groups, null);
  const entry = {
    weights: mem.f32(p.weightsAt, p.weightsLength).slice(),
    shape: [kh, kw, cin, cout],
    groups,
  };
  mem.reset(mark);
  packedByFilter.set(filter.dataId, entry);
  return entry;
}

/** The conv's geometry where this kernel takes it, else null. */
function takes(x: TensorInfo, filter: TensorInfo, attrs: wasmConv.ConvAttrs) {
  const [kh, kw, cin, cout] = filter.shape;
  if (!state || !((kh === 3 && kw === 3) || (kh === 1 && kw === 1))) return null;
  const info = wasmConv.stride1ConvInfo(x, filter, attrs);
  if (!info) return null;
  // 'same' for 3x3 (one sample of zeros around), no padding for 1x1: output size = input size.
  const want = kh === 3 ? 1 : 0;
  const { top, left, bottom, right } = info.padInfo;
  if (top !== want || left !== want || bottom !== want || right !== want) return null;
  if (info.outHeight !== info.inHeight || info.outWidth !== info.inWidth) return null;
  if (cin * cout * info.outHeight * info.outWidth < state.minWork) return null;
  return info;
}

function simdConv(call: wasmConv.ConvCall): TensorInfo {
  const { backend, x, filter, info, bias } = call;
  const { mem } = state!;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  const p = packed(backend, filter);
  const mark = mem.mark;
  try {
    const weightsAt = mem.take(4 * p.weights.length);
    mem.f32(weightsAt, p.weights.length).set(p.weights);
    const biasAt = bias ? mem.take(4 * cout) : 0;
    if (bias) mem.f32(biasAt, cout).set(wasmTensorData(backend, bias, cout));
    const conv: PackedConv = {
      kernelSize: p.shape[0] as 1 | 3,
      cin,
      cout,
      groups: p.groups,
      weightsAt,
      weightsLength: p.weights.length,
      biasAt,
    };
    const offAt = mem.take(4 * cout);
    const off = mem.i32(offAt, cout);
    for (let c = 0; c < cout; c++) off[c] = c;
    const contigAt = mem.take(Math.ceil(cout / 4));
    markContiguous(mem, offAt, contigAt, cout);
    const pixels = h * w;
    const fAt = mem.take(4 * pixels * cin);
    const outAt = mem.take(4 * n * pixels * cout);
    const input = wasmTensorData(backend, x, n * pixels * cin);
    const scratch = mem.mark;
    for (let b = 0; b < n; b++) {
      mem.f32(fAt, pixels * cin).set(input.subarray(b * pixels * cin, (b + 1) * pixels * cin));
      runPackedConv(mem, conv, {
        fAt,
        height: h,
        width: w,
        outAt: outAt + 4 * b * pixels * cout,
        rowStride: w * cout,
        colStride: cout,
        offAt,
        contigAt,
        accumulate: false,
      });
      mem.reset(scratch);
    }
    // write() copies into the backend's heap at once.
    const out = mem.f32(outAt, n * pixels * cout);
    const shape = [n, h, w, cout];
    return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
  } finally {
    mem.reset(mark);
  }
}

/** Conv2D and FusedConv2D (bias, linear) on wasm: kernels.c's kernels where they take it, else stock. */
const simdConvKernels = wasmConv.convKernelPair(takes, simdConv);

/**
 * Makes the wasm backend run, in this package's own WebAssembly SIMD module (relaxed-SIMD FMA
 * where the engine has it): stride-1 'same' 3x3 convolutions by Winograd F(4x4, 3x3) and 1x1 ones
 * as a register-blocked GEMM, with bias (a 1x1 kernel that is block-diagonal, a grouped conv
 * written densely as GroupedConv2D does, runs as its blocks only; strided, dilated, activated and
 * small convs keep XNNPACK); and each LargeKernelBlock as one kernel call (dilated depthwise
 * cascade, grouped fusion, activation, channel attention and residual) where no gradient is being
 * recorded. Same results to float32 rounding. For inference: packed kernels are cached per
 * weight tensor. Replaces registerWasmWinogradConv where both are called (the later call wins);
 * restoreStockWasmKernels() undoes all of it.
 */
export async function registerWasmSimdKernels(
  options: WasmSimdKernelsOptions = {},
): Promise<SimdBuild> {
  requireWasmBackend('registerWasmSimdKernels');
  const minWork = options.minWork ?? 2 ** 20;
  if (!Number.isInteger(minWork) || minWork < 1)
    throw new WasmKernelError(
      'registerWasmSimdKernels',
      `minWork must be a positive integer, got ${minWork}`,
    );
  const build = chooseBuild(options.relaxedSimd ?? 'auto');
  if (!build)
    throw new WasmKernelError(
      'registerWasmSimdKernels',
      'this engine has no WebAssembly relaxed SIMD',
    );
  if (!state || state.build !== build) {
    state = { mem: new SimdArena(await instantiateSimd(build)), build, minWork };
    packedByFilter = new WeakMap();
  }
  state.minWork = minWork;
  replaceWasmKernel(tf.Conv2D, simdConvKernels.conv2D);
  replaceWasmKernel(tf.FusedConv2D, simdConvKernels.fusedConv2D);
  addWasmKernel(
    LKB_KERNEL,
    lkbKernel(() => state!.mem),
  );
  return build;
}
