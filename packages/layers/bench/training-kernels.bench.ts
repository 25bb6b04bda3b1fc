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
const CASES: Case[] = [
  {
    name: 'upsampler fwd 64->496',
    kernel: tf.FusedConv2D,
    inputs: { x: [8, 16, 16, 64], filter: [3, 3, 64, 496], bias: [496] },
    attrs: { ...conv, activation: 'linear' },
  },
  {
    name: 'upsampler dx',
    kernel: tf.Conv2DBackpropInput,
    inputs: { dy: [8, 16, 16, 496], filter: [3, 3, 64, 496] },
    attrs: { ...conv, inputShape: [8, 16, 16, 64] },
  },
  {
    name: 'upsampler dW',
    kernel: tf.Conv2DBackpropFilter,
    inputs: { x: [8, 16, 16, 64], dy: [8, 16, 16, 496] },
    attrs: { ...conv, filterShape: [3, 3, 64, 496] },
  },
  {
    name: 'body fwd 64->64',
    kernel: tf.FusedConv2D,
    inputs: { x: [8, 16, 16, 64], filter: [3, 3, 64, 64], bias: [64] },
    attrs: { ...conv, activation: 'linear' },
  },
  {
    name: 'body dx',
    kernel: tf.Conv2DBackpropInput,
    inputs: { dy: [8, 16, 16, 64], filter: [3, 3, 64, 64] },
    attrs: { ...conv, inputShape: [8, 16, 16, 64] },
  },
  {
    name: 'body dW',
    kernel: tf.Conv2DBackpropFilter,
    inputs: { x: [8, 16, 16, 64], dy: [8, 16, 16, 64] },
    attrs: { ...conv, filterShape: [3, 3, 64, 64] },
  },
  {
    name: 'head dW 31->64',
    kernel: tf.Conv2DBackpropFilter,
    inputs: { x: [8, 16, 16, 31], dy: [8, 16, 16, 64] },
    attrs: { ...conv, filterShape: [3, 3, 31, 64] },
  },
  {
    name: 'fuse 1x1 fwd 192->64',
    kernel: tf.Conv2D,
    inputs: { x: [8, 16, 16, 192], filter: [1, 1, 192, 64] },
    attrs: pw,
  },
  {
    name: 'fuse 1x1 dx as conv 64->192',
    kernel: tf.Conv2D,
    inputs: { x: [8, 16, 16, 64], filter: [1, 1, 64, 192] },
    attrs: pw,
  },
  {
    name: 'fuse dW matmul x^T dy',
    kernel: tf.BatchMatMul,
    inputs: { a: [2048, 192], b: [2048, 64] },
    attrs: { transposeA: true, transposeB: false },
  },
  {
    name: 'dw dilated 3x3 d5',
    kernel: tf.DepthwiseConv2dNative,
    inputs: { x: [8, 16, 16, 64], filter: [3, 3, 64, 1] },
    attrs: { strides: [1, 1], pad: 'same', dilations: [5, 5] },
  },
  {
    name: 'dw filter-grad form d7',
    kernel: tf.DepthwiseConv2dNative,
    inputs: { x: [1, 30, 30, 512], filter: [16, 16, 512, 1] },
    attrs: { strides: [7, 7], pad: 'valid', dilations: [1, 1] },
  },
  {
    name: 'bicubic matmul',
    kernel: tf.BatchMatMul,
    inputs: { a: [16, 64], b: [64, 15872] },
    attrs: { transposeA: false, transposeB: false },
  },
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

console.log(`min of ${reps} runs, ms; relaxed SIMD ${relaxedSimdSupported()}`);
console.log('case'.padEnd(30), 'stock'.padStart(8), 'ours 1t'.padStart(8), 'ours 2t'.padStart(8));
let sums = [0, 0, 0];
for (const c of CASES) {
  restoreStockWasmKernels();
  await closeWasmSimdTrainingKernels();
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  const stock = time(c);
  await registerWasmSimdTrainingKernels({ threads: 1, minWork: 1 });
  const one = time(c);
  await registerWasmSimdTrainingKernels({ threads: 2, minWork: 1 });
  const two = time(c);
  sums = [sums[0] + stock, sums[1] + one, sums[2] + two];
  console.log(
    c.name.padEnd(30),
    stock.toFixed(2).padStart(8),
    one.toFixed(2).padStart(8),
    two.toFixed(2).padStart(8),
  );
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
restoreStockWasmKernels();
await closeWasmSimdTrainingKernels();
registerWasmTrainingKernels({ replaceSlowKernels: true });
const blockStock = timeBlock();
await registerWasmSimdTrainingKernels({ threads: 1 });
const blockOne = timeBlock();
await registerWasmSimdTrainingKernels({ threads: 2 });
const blockTwo = timeBlock();
console.log(
  'LKB fwd+grad [8,16,16,64]'.padEnd(30),
  ...[blockStock, blockOne, blockTwo].map((t) => t.toFixed(2).padStart(8)),
);
await closeWasmSimdTrainingKernels();
