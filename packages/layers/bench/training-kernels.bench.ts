// Per-kernel timing of the wasm training kernels at the shapes of an LKCA-Net student's step
// (batch 8, 16x16 LR, C = 64, B = 31 'conv' upsampler): the stock (or stand-in) kernel against
// ours on 1 and 2 threads, interleaved, each the minimum over repetitions (the machine is
// shared: the minimum is the least disturbed run).
// Run: npx tsx --conditions=source bench/training-kernels.bench.ts [reps]   (from packages/layers)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { LargeKernelBlock } from '../src/lkb.js';
import { restoreStockWasmKernels } from '../src/wasm-core/kernel-registry.js';
import { relaxedSimdSupported, resetSubPixelModules } from '../src/wasm-core/simd-module.js';
import {
  closeWasmSimdTrainingKernels,
  registerWasmSimdTrainingKernels,
} from '../src/wasm-training/simd-training-kernels.js';
import { registerWasmTrainingKernels } from '../src/wasm-training/stand-in-kernels.js';

const reps = Number(process.argv[2] ?? 7);
const require = createRequire(import.meta.url);
setWasmPaths(
  `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
);
await tf.setBackend('wasm');
if (!relaxedSimdSupported()) {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  resetSubPixelModules();
}

interface Case {
  name: string;
  kernel: string;
  inputs: Record<string, number[]>;
  attrs: Record<string, unknown>;
}
const conv = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
const pw = { ...conv, pad: 'valid' };

const kernelCase = (
  name: string,
  kernel: string,
  inputs: Case['inputs'],
  attrs: Case['attrs'],
): Case => ({ name, kernel, inputs, attrs });

/** A 3x3 'same' conv of the [8, 16, 16] step from cin to cout channels: forward, dx and dW. */
function convStep(label: string, cin: number, cout: number): Case[] {
  const [x, dy, filter] = [
    [8, 16, 16, cin],
    [8, 16, 16, cout],
    [3, 3, cin, cout],
  ];
  return [
    kernelCase(
      `${label} fwd ${cin}->${cout}`,
      tf.FusedConv2D,
      { x, filter, bias: [cout] },
      { ...conv, activation: 'linear' },
    ),
    kernelCase(`${label} dx`, tf.Conv2DBackpropInput, { dy, filter }, { ...conv, inputShape: x }),
    kernelCase(
      `${label} dW ${cin}->${cout}`,
      tf.Conv2DBackpropFilter,
      { x, dy },
      { ...conv, filterShape: filter },
    ),
  ];
}

const CASES: Case[] = [
  ...convStep('upsampler', 64, 496),
  ...convStep('body', 64, 64),
  convStep('head', 31, 64)[2],
  kernelCase(
    'fuse 1x1 fwd 192->64',
    tf.Conv2D,
    { x: [8, 16, 16, 192], filter: [1, 1, 192, 64] },
    pw,
  ),
  kernelCase(
    'fuse 1x1 dx as conv 64->192',
    tf.Conv2D,
    { x: [8, 16, 16, 64], filter: [1, 1, 64, 192] },
    pw,
  ),
  kernelCase(
    'fuse dW matmul x^T dy',
    tf.BatchMatMul,
    { a: [2048, 192], b: [2048, 64] },
    { transposeA: true, transposeB: false },
  ),
  kernelCase(
    'dw dilated 3x3 d5',
    tf.DepthwiseConv2dNative,
    { x: [8, 16, 16, 64], filter: [3, 3, 64, 1] },
    { strides: [1, 1], pad: 'same', dilations: [5, 5] },
  ),
  kernelCase(
    'dw filter-grad form d7',
    tf.DepthwiseConv2dNative,
    { x: [1, 30, 30, 512], filter: [16, 16, 512, 1] },
    { strides: [7, 7], pad: 'valid', dilations: [1, 1] },
  ),
  kernelCase(
    'bicubic matmul',
    tf.BatchMatMul,
    { a: [16, 64], b: [64, 15872] },
    { transposeA: false, transposeB: false },
  ),
];

function time(c: Case): number {
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, shape] of Object.entries(c.inputs))
    ts[k] = tf.randomUniform(shape, -1, 1, 'float32', 3);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = tf.engine().runKernel(c.kernel, ts, c.attrs as tf.NamedAttrMap) as tf.Tensor;
    out.dataSync();
    best = Math.min(best, performance.now() - t0);
    out.dispose();
  }
  tf.dispose(Object.values(ts));
  return best;
}

/** fn timed on the stock (or stand-in) kernels, then on ours with 1 and with 2 threads. */
async function stockThenOurs(fn: () => number, minWork?: number): Promise<number[]> {
  restoreStockWasmKernels();
  await closeWasmSimdTrainingKernels();
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  const stock = fn();
  await registerWasmSimdTrainingKernels({ threads: 1, minWork });
  const one = fn();
  await registerWasmSimdTrainingKernels({ threads: 2, minWork });
  return [stock, one, fn()];
}

const row = (name: string, ms: number[]) =>
  console.log(name.padEnd(30), ...ms.map((t) => t.toFixed(2).padStart(8)));

console.log(`min of ${reps} runs, ms; relaxed SIMD ${relaxedSimdSupported()}`);
console.log('case'.padEnd(30), 'stock'.padStart(8), 'ours 1t'.padStart(8), 'ours 2t'.padStart(8));
let sums = [0, 0, 0];
for (const c of CASES) {
  const ms = await stockThenOurs(() => time(c), 1);
  sums = sums.map((s, i) => s + ms[i]);
  row(c.name, ms);
}
console.log('sum'.padEnd(30), ...sums.map((s) => s.toFixed(1).padStart(8)));

// A whole LargeKernelBlock's forward + gradient (x and all weights), TF.js ops vs our one op.
function timeBlock(): number {
  const block = new LargeKernelBlock({ dilations: [5, 7], fusionGroups: 4 });
  block.build([8, 16, 16, 64]);
  const x = tf.randomUniform([8, 16, 16, 64], -1, 1, 'float32', 4);
  const vars = block.trainableWeights.map((w) => w.read() as tf.Variable);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(block.apply(x) as tf.Tensor) as tf.Scalar,
      vars,
    );
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    best = Math.min(best, performance.now() - t0);
    tf.dispose([value, ...Object.values(grads)]);
  }
  x.dispose();
  for (const w of block.weights) w.dispose();
  return best;
}
row('LKB fwd+grad [8,16,16,64]', await stockThenOurs(timeBlock));
await closeWasmSimdTrainingKernels();
