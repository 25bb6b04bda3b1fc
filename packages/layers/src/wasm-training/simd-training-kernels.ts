import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { addWasmKernel, replaceWasmKernel, stockWasmKernel } from '../wasm-core/kernel-registry.js';
import * as wasmConv from '../wasm-core/conv-kernels.js';
import { chooseBuild, type SimdBuild } from '../wasm-core/simd-module.js';
import { isPointwise } from '../wasm-core/kernel-scope.js';
import { requireWasmBackend } from '../wasm-core/wasm-backend.js';
import { type ConvBackpropAttrs, backpropConvInfo } from './conv-attrs.js';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
import {
  LKB_TRAIN_BACKWARD,
  LKB_TRAIN_FORWARD,
  lkbTrainBackward,
  lkbTrainForward,
} from './lkb-training-kernels.js';
import { registerWasmTrainingKernels } from './stand-in-kernels.js';
import {
  GROUPED_CONV_TRAIN_BACKWARD,
  GROUPED_CONV_TRAIN_FORWARD,
  groupedConvTrainBackward,
  groupedConvTrainForward,
} from './grouped-conv-training.js';
import { biasGrad, nth, type Shape4, winograd, winogradFilterGrad } from './winograd-calls.js';
import {
  type MatmulOperands,
  startTrainingModule,
  type TrainingExports,
} from './training-module.js';
import {
  countCall,
  type Scope,
  setTrainingState,
  trainingState,
  withArena,
} from './training-state.js';

type TensorInfo = tf.TensorInfo;

export interface WasmSimdTrainingKernelsOptions {
  /** 'auto' (default): the relaxed-SIMD (FMA) build where the engine has it; false: plain SIMD. */
  relaxedSimd?: 'auto' | boolean;
  /**
   * Threads the kernels split their work over (default: the machine's cores, at most 8): worker
   * threads sharing the module's memory. 1, or an engine without shared memory (a browser page
   * that is not cross-origin isolated), runs everything on the calling thread.
   */
  threads?: number;
  /** Smallest multiply-adds per call taken over (default 2^17); below, the stock kernels run. */
  minWork?: number;
}

/** What registerWasmSimdTrainingKernels set up: which build, how many threads, and a line saying so. */
export interface WasmSimdTrainingKernelsInfo {
  build: SimdBuild;
  threads: number;
  /** e.g. "@hsrkit/layers training kernels (relaxed SIMD, FMA; 2 threads)". */
  description: string;
}

function sameConv3x3(info: tf.backend_util.Conv2DInfo): boolean {
  const { top, left, bottom, right } = info.padInfo;
  return (
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    wasmConv.unitStrideAndDilation(info) &&
    top === 1 &&
    left === 1 &&
    bottom === 1 &&
    right === 1 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}

const macs = (info: tf.backend_util.Conv2DInfo) =>
  info.batchSize *
  info.outHeight *
  info.outWidth *
  info.inChannels *
  info.outChannels *
  info.filterHeight *
  info.filterWidth;

/** out [m][n] = op(A) op(B) in the module (wt_matmul), on the kernels' threads. */
function matmul(s: Scope, ...operands: MatmulOperands) {
  const { ex } = trainingState()!.mod;
  const [, , , m, k, n] = operands;
  ex.wt_matmul(...operands, s.take(ex.wt_matmul_scratch(m, k, n)), nth());
}

/**
 * Counts a call of `kernel` as ours, then runs `body` with `inputs` copied into the module (their
 * addresses in order); the module's memory is released after it.
 */
function inModule(
  kernel: string,
  backend: tf.KernelBackend,
  inputs: TensorInfo[],
  body: (s: Scope, at: number[], ex: TrainingExports) => TensorInfo,
): TensorInfo {
  countCall(kernel);
  const { ex } = trainingState()!.mod;
  return withArena((s) =>
    body(
      s,
      inputs.map((t) => s.copyIn(backend, t)),
      ex,
    ),
  );
}

/** The backprop's conv geometry where our kernels take it, else null. */
function backpropTakes(
  kernel: string,
  attrs: ConvBackpropAttrs,
  image: { name: 'x' | 'input'; shape: Shape4 },
  filterShape: Shape4,
  dy: TensorInfo,
  other: TensorInfo,
) {
  const st = trainingState();
  if (!st || !wasmConv.nhwcFloat32(attrs, dy, other)) return null;
  const info = backpropConvInfo(kernel, attrs, image, filterShape, dy, false);
  return (sameConv3x3(info) || isPointwise(info)) && macs(info) >= st.minWork ? info : null;
}

/** A 3x3 'same' conv by Winograd, or a 1x1 one as a matrix product: out [n][h][w][cout]. */
function convForward(call: wasmConv.ConvCall): TensorInfo {
  const { backend, kernelName, x, filter, info, bias } = call;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  return inModule(kernelName, backend, [x, filter], (s, [xAt, gAt]) => {
    const outAt = s.take(n * h * w * cout);
    if (info.filterHeight === 1) {
      matmul(s, xAt, gAt, outAt, n * h * w, cin, cout, 0, 0);
      if (bias) addBias(s, backend, bias, outAt, n * h * w, cout);
    } else {
      const biasAt = bias ? s.copyIn(backend, bias) : 0;
      winograd(s, xAt, [n, h, w, cin], gAt, cout, false, biasAt, outAt);
    }
    return s.out(backend, outAt, [n, h, w, cout]);
  });
}

function addBias(
  s: Scope,
  backend: tf.KernelBackend,
  bias: TensorInfo,
  at: number,
  rows: number,
  cout: number,
) {
  const { arena } = trainingState()!.mod;
  const b = arena.f32(s.copyIn(backend, bias), cout);
  const out = arena.f32(at, rows * cout);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cout; c++) out[r * cout + c] += b[c];
}

function forwardInfo(x: TensorInfo, filter: TensorInfo, attrs: wasmConv.ConvAttrs) {
  if (!trainingState() || !wasmConv.nhwcFloat32(attrs, x, filter)) return null;
  const info = wasmConv.nhwcConv2DInfo(x, filter, attrs);
  if (!(sameConv3x3(info) || isPointwise(info)) || macs(info) < trainingState()!.minWork)
    return null;
  return info;
}

/** Conv2D and FusedConv2D (bias, linear): ours where forwardInfo takes the call, else stock. */
const convKernels = wasmConv.convKernelPair(forwardInfo, convForward);

const conv2DBackpropInput: tf.KernelFunc = (args) => {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as ConvBackpropAttrs & { inputShape: Shape4 };
  const image = { name: 'input' as const, shape: attrs.inputShape };
  const info = backpropTakes(
    tf.Conv2DBackpropInput,
    attrs,
    image,
    filter.shape as Shape4,
    dy,
    filter,
  );
  if (!info) return conv2DBackpropInputWasm(args);
  const backend = args.backend as tf.KernelBackend;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  return inModule(tf.Conv2DBackpropInput, backend, [dy, filter], (s, [dyAt, gAt]) => {
    const outAt = s.take(n * h * w * cin);
    // 1x1: dx = dy W^T (W is [cin][cout]); 3x3: the conv of dy with W flipped, channels swapped.
    if (info.filterHeight === 1) matmul(s, dyAt, gAt, outAt, n * h * w, cout, cin, 0, 1);
    else winograd(s, dyAt, [n, h, w, cout], gAt, cin, true, 0, outAt);
    return s.out(backend, outAt, [n, h, w, cin]);
  });
};

const conv2DBackpropFilter: tf.KernelFunc = (args) => {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ConvBackpropAttrs & { filterShape: Shape4 };
  const image = { name: 'x' as const, shape: x.shape as Shape4 };
  const info = backpropTakes(tf.Conv2DBackpropFilter, attrs, image, attrs.filterShape, dy, x);
  if (!info) return conv2DBackpropFilterWasm(args);
  const backend = args.backend as tf.KernelBackend;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  return inModule(tf.Conv2DBackpropFilter, backend, [x, dy], (s, [xAt, dyAt]) => {
    const outAt = s.take(info.filterHeight * info.filterWidth * cin * cout);
    // 1x1: dW = x^T dy over all pixels; 3x3: Winograd (wt_filter_grad).
    if (info.filterHeight === 1) matmul(s, xAt, dyAt, outAt, cin, n * h * w, cout, 1, 0);
    else winogradFilterGrad(s, xAt, dyAt, [n, h, w, cin], cout, outAt);
    return s.out(backend, outAt, attrs.filterShape);
  });
};

const depthwiseConv2dNative: tf.KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as wasmConv.ConvAttrs;
  if (!trainingState() || !wasmConv.nhwcFloat32(attrs, x, filter) || filter.shape[3] !== 1)
    return stockWasmKernel(tf.DepthwiseConv2dNative)!(args);
  const info = wasmConv.nhwcConv2DInfo(x, filter, attrs, true);
  // XNNPACK runs small filters faster (a 3x3 dilated one included); ours wins on the large,
  // strided filters of the dilated depthwise filter gradient (dilated-depthwise-conv.ts).
  const work =
    info.batchSize *
    info.outHeight *
    info.outWidth *
    info.inChannels *
    info.filterHeight *
    info.filterWidth;
  if (info.filterHeight * info.filterWidth <= 25 || work < trainingState()!.minWork / 8)
    return stockWasmKernel(tf.DepthwiseConv2dNative)!(args);
  const backend = args.backend as tf.KernelBackend;
  return inModule(tf.DepthwiseConv2dNative, backend, [x, filter], (s, [xAt, fAt], ex) => {
    const {
      batchSize: n,
      inHeight: h,
      inWidth: w,
      inChannels: c,
      outHeight: oh,
      outWidth: ow,
    } = info;
    const outAt = s.take(n * oh * ow * c);
    ex.wt_depthwise(
      xAt,
      n,
      h,
      w,
      c,
      fAt,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      info.padInfo.top,
      info.padInfo.left,
      outAt,
      oh,
      ow,
      nth(),
    );
    return s.out(backend, outAt, [n, oh, ow, c]);
  });
};

/**
 * Sum over every axis but the last of a float32 tensor (a bias's gradient: TF.js's fused conv
 * and add gradients reduce dy so): column sums in the module, on the kernels' threads. The wasm
 * backend's own transposes the whole tensor first (45 ms of a B=128 training step for the
 * upsampler's [8,16,16,2048]). Any other reduction runs the stock kernel.
 */
const sum: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as {
    axis: number | number[];
    keepDims: boolean;
  };
  const r = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const st = trainingState();
  const size = tf.util.sizeFromShape(x.shape);
  if (
    !st ||
    x.dtype !== 'float32' ||
    r < 2 ||
    axes.length !== r - 1 ||
    axes.some((a, i) => a !== i) ||
    size < st.minWork
  )
    return stockWasmKernel(tf.Sum)!(args);
  const backend = args.backend as tf.KernelBackend;
  const c = x.shape[r - 1];
  return inModule(tf.Sum, backend, [x], (s, [xAt]) => {
    const outAt = s.take(c);
    biasGrad(s, xAt, size / c, c, outAt);
    return s.out(backend, outAt, keepDims ? [...x.shape.slice(0, -1).map(() => 1), c] : [c]);
  });
};

const batchMatMul: tf.KernelFunc = (args) => {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (!trainingState() || a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2)
    return batchMatMulWasm(args);
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  // Equal batches, or one operand shared by all (the cases a training step has); else the stand-in.
  const dimsA = a.shape.slice(0, -2);
  const dimsB = b.shape.slice(0, -2);
  const outBatch =
    dimsA.join() === dimsB.join() ? dimsA : batchA === 1 ? dimsB : batchB === 1 ? dimsA : null;
  if (k !== kb || !outBatch || batch * m * k * n < trainingState()!.minWork)
    return batchMatMulWasm(args);
  const backend = args.backend as tf.KernelBackend;
  return inModule(tf.BatchMatMul, backend, [a, b], (s, [aAt, bAt], ex) => {
    const outAt = s.take(batch * m * n);
    const scratch = s.take(ex.wt_matmul_scratch(m, k, n));
    for (let i = 0; i < batch; i++)
      ex.wt_matmul(
        aAt + (batchA === 1 ? 0 : 4 * i * m * k),
        bAt + (batchB === 1 ? 0 : 4 * i * k * n),
        outAt + 4 * i * m * n,
        m,
        k,
        n,
        transposeA ? 1 : 0,
        transposeB ? 1 : 0,
        scratch,
        nth(),
      );
    return s.out(backend, outAt, [...outBatch, m, n]);
  });
};

/** The TF.js kernels registerWasmSimdTrainingKernels replaces (each falls back to the stock or stand-in kernel where it does not apply). */
export const WASM_SIMD_TRAINING_KERNELS: readonly {
  kernelName: string;
  kernelFunc: tf.KernelFunc;
}[] = [
  { kernelName: tf.Conv2D, kernelFunc: convKernels.conv2D },
  { kernelName: tf.FusedConv2D, kernelFunc: convKernels.fusedConv2D },
  { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.DepthwiseConv2dNative, kernelFunc: depthwiseConv2dNative },
  { kernelName: tf.BatchMatMul, kernelFunc: batchMatMul },
  { kernelName: tf.Sum, kernelFunc: sum },
];

const defaultThreads = async (): Promise<number> => {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  let cores = g.navigator?.hardwareConcurrency;
  if (!cores && typeof process !== 'undefined' && process.versions?.node) {
    const name = 'node:os';
    const os = (await import(/* @vite-ignore */ name)) as typeof import('node:os');
    cores = os.availableParallelism?.() ?? os.cpus().length;
  }
  return Math.max(1, Math.min(8, cores ?? 1));
};

/**
 * The fastest training kernels this package has for TF.js's wasm backend, in one call: the
 * gradient kernels the backend lacks and the faster stand-ins (registerWasmTrainingKernels with
 * replaceSlowKernels), then this package's own WebAssembly SIMD kernels (relaxed-SIMD FMA where
 * the engine has it) split over worker threads: 3x3 'same' convolutions and both their gradients
 * by Winograd F(4x4, 3x3), 1x1 convolutions and their gradients and BatchMatMul as GEMMs,
 * depthwise convolutions (the dilated ones LargeKernelBlock trains with, and their gradients),
 * bias gradients (Sum over all but the last axis), a whole LargeKernelBlock and a grouped 3x3
 * conv (GroupedConv2D) each as one op with its own gradient.
 * Same numbers as TF.js's kernels to float32 rounding. Calling it again changes the options;
 * restoreStockWasmKernels() puts the stock kernels back (the workers stay until
 * closeWasmSimdTrainingKernels()).
 */
export async function registerWasmSimdTrainingKernels(
  options: WasmSimdTrainingKernelsOptions = {},
): Promise<WasmSimdTrainingKernelsInfo> {
  const caller = 'registerWasmSimdTrainingKernels';
  requireWasmBackend(caller);
  const minWork = options.minWork ?? 2 ** 17;
  if (!Number.isInteger(minWork) || minWork < 1)
    throw new WasmKernelError(caller, `minWork must be a positive integer, got ${minWork}`);
  const want = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(want) || want < 1)
    throw new WasmKernelError(caller, `threads must be a positive integer, got ${want}`);
  const build = chooseBuild(options.relaxedSimd ?? 'auto');
  if (!build) throw new WasmKernelError(caller, 'this engine has no WebAssembly relaxed SIMD');
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  // One module for the process: a new one only for another build or more threads than asked before.
  let state = trainingState();
  if (!state || state.mod.build !== build || want > state.requested) {
    const old = state?.mod;
    state = { mod: await startTrainingModule(build, want), requested: want, minWork, threads: 1 };
    setTrainingState(state);
    await old?.close();
  }
  state.minWork = minWork;
  state.threads = Math.min(want, state.mod.threads);
  for (const { kernelName, kernelFunc } of WASM_SIMD_TRAINING_KERNELS)
    replaceWasmKernel(kernelName, kernelFunc);
  addWasmKernel(LKB_TRAIN_FORWARD, lkbTrainForward);
  addWasmKernel(LKB_TRAIN_BACKWARD, lkbTrainBackward);
  addWasmKernel(GROUPED_CONV_TRAIN_FORWARD, groupedConvTrainForward);
  addWasmKernel(GROUPED_CONV_TRAIN_BACKWARD, groupedConvTrainBackward);
  const simd = build === 'relaxed' ? 'relaxed SIMD, FMA' : 'SIMD';
  const threads = state.threads;
  return {
    build,
    threads,
    description: `@hsrkit/layers training kernels (${simd}; ${threads} thread${threads > 1 ? 's' : ''})`,
  };
}

/**
 * Stops the worker threads of registerWasmSimdTrainingKernels; its kernels then hand every call
 * to the stock (or stand-in) kernels until it is called again.
 */
export async function closeWasmSimdTrainingKernels(): Promise<void> {
  const mod = trainingState()?.mod;
  setTrainingState(null);
  await mod?.close();
}
