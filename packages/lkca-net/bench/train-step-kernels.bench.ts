// A/B of training-step kernels added for issue 14, in one process, interleaved, each pair timed
// in turns (min and median over runs): the `group` upsampler's forward + gradient (GroupedConv2D
// 3x3, 8 groups) through the grouped-conv training op against the sliced convs it replaces; the
// `conv` upsampler's (tf.fused.conv2d with bias, what tf.layers.conv2d runs) with our bias-gradient
// Sum against the stock Sum, and that Sum alone; the band-difference Slice of a spectral-gradient
// loss ([8, 64, 64, B] -> B - 1 bands) with our Slice against the stock one; Identity (what the
// engine runs to keep a tensor for a gradient) sharing the data against copying. Everything else is
// prepareTrainingKernels() as the trainers register it. Batch 8, 16x16 LR, 64x64 HR.
// Run: npx tsx --conditions=source bench/train-step-kernels.bench.ts   (from packages/lkca-net)
// Env: KERNEL_BENCH_RUNS (9), KERNEL_BENCH_OUT (file name stem, default train-step-kernels).
// Writes bench/results/<stem>.md.
import { renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupedConv2d } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { startWasmForBench } from './wasm-runtime.js';

const RUNS = Number(process.env.KERNEL_BENCH_RUNS ?? 9);
const STEM = process.env.KERNEL_BENCH_OUT ?? 'train-step-kernels';
const N = 8;
const HW = 16;
const C = 64;

// The stock kernels, as tfjs-backend-wasm registered them (before prepareTrainingKernels).
await tf.setBackend('cpu');
const stock = {
  sum: tf.getKernel(tf.Sum, 'wasm'),
  slice: tf.getKernel(tf.Slice, 'wasm'),
  identity: tf.getKernel(tf.Identity, 'wasm'),
};
const started = new Date().toISOString();
const load0 = loadavg()[0];
const runtime = await startWasmForBench('simd');
console.log(runtime);
const ours = {
  sum: tf.getKernel(tf.Sum, 'wasm'),
  slice: tf.getKernel(tf.Slice, 'wasm'),
  identity: tf.getKernel(tf.Identity, 'wasm'),
};
const grouped = tf
  .getKernelsForBackend('wasm')
  .filter((k) => k.kernelName.startsWith('HsrkitGroupedConv3x3'));
if (!grouped.length || !stock.sum || !stock.slice || !stock.identity)
  throw new Error('the kernels to compare are not registered');

function swap(name: string, config: tf.KernelConfig | undefined) {
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (config) tf.registerKernel(config);
}

const seeded = (shape: number[], seed: number) =>
  tf.tidy(() => tf.randomUniform(shape, -0.5, 0.5, 'float32', seed));

/** ms of one forward + gradient (of x, kernel and bias) of sum(up(x) * r). */
function upsamplerStep(
  up: (x: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor,
  k: tf.Tensor4D,
  b: tf.Tensor1D,
): number {
  const cout = k.shape[3];
  const x = seeded([N, HW, HW, C], 1) as tf.Tensor4D;
  const r = seeded([N, HW, HW, cout], 2);
  const t0 = performance.now();
  const g = tf.grads((xx, kk, bb) =>
    tf.sum(tf.mul(up(xx as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D), r)),
  )([x, k, b]);
  for (const t of g) t.dataSync();
  const ms = performance.now() - t0;
  tf.dispose([x, r, ...g]);
  return ms;
}

/** ms of f(), its result read and disposed. */
function timed(f: () => tf.Tensor): number {
  const t0 = performance.now();
  const y = f();
  y.dataSync();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

/** Times before() and after() in turns (one warm-up pair). */
function ab(setBefore: () => void, setAfter: () => void, run: () => number) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    setBefore();
    const x = run();
    setAfter();
    const y = run();
    if (i > 0) {
      a.push(x);
      b.push(y);
    }
  }
  const s = (xs: number[]) => [...xs].sort((p, q) => p - q);
  const [sa, sb] = [s(a), s(b)];
  const mid = Math.floor(RUNS / 2);
  return { beforeMin: sa[0], beforeMed: sa[mid], afterMin: sb[0], afterMed: sb[mid] };
}

const rows: { what: string; before: string; after: string; r: ReturnType<typeof ab> }[] = [];
function record(what: string, before: string, after: string, r: ReturnType<typeof ab>) {
  rows.push({ what, before, after, r });
  console.log(
    `${what}: ${before} min ${r.beforeMin.toFixed(1)} / median ${r.beforeMed.toFixed(1)} ms; ${after} min ${r.afterMin.toFixed(1)} / median ${r.afterMed.toFixed(1)} ms`,
  );
}

for (const bands of [31, 128]) {
  const cout = bands * 16;
  const kg = seeded([3, 3, C / 8, cout], 3) as tf.Tensor4D;
  const bias = seeded([cout], 4) as tf.Tensor1D;
  const setGrouped = (on: boolean) => () => {
    for (const k of grouped) swap(k.kernelName, on ? k : undefined);
  };
  record(
    `B=${bands} \`group\` upsampler, forward + gradient`,
    'sliced convs',
    'grouped-conv op',
    ab(setGrouped(false), setGrouped(true), () =>
      upsamplerStep((x, k, b) => groupedConv2d(x, k, 8, b), kg, bias),
    ),
  );
  const kc = seeded([3, 3, C, cout], 5) as tf.Tensor4D;
  const setSum = (config: tf.KernelConfig | undefined) => () => swap(tf.Sum, config);
  record(
    `B=${bands} \`conv\` upsampler, forward + gradient`,
    'stock Sum',
    'our Sum',
    ab(setSum(stock.sum), setSum(ours.sum), () =>
      upsamplerStep(
        (x, k, b) => tf.fused.conv2d({ x, filter: k, strides: 1, pad: 'same', bias: b }),
        kc,
        bias,
      ),
    ),
  );
  const dy = seeded([N, HW, HW, cout], 6);
  record(
    `B=${bands} bias gradient Sum [${N},${HW},${HW},${cout}] over [0,1,2]`,
    'stock Sum',
    'our Sum',
    ab(setSum(stock.sum), setSum(ours.sum), () => timed(() => tf.sum(dy, [0, 1, 2]))),
  );
  const hr = seeded([N, 4 * HW, 4 * HW, bands], 7);
  const setSlice = (config: tf.KernelConfig | undefined) => () => swap(tf.Slice, config);
  record(
    `B=${bands} band differences' Slice [${N},${4 * HW},${4 * HW},${bands}] -> ${bands - 1} bands`,
    'stock Slice',
    'our Slice',
    ab(setSlice(stock.slice), setSlice(ours.slice), () =>
      timed(() => tf.slice(hr, [0, 0, 0, 1], [N, 4 * HW, 4 * HW, bands - 1])),
    ),
  );
  const setIdentity = (config: tf.KernelConfig | undefined) => () => swap(tf.Identity, config);
  record(
    `B=${bands} Identity [${N},${4 * HW},${4 * HW},${bands}] (the engine keeping a tensor for a gradient)`,
    'stock Identity',
    'our Identity',
    ab(setIdentity(stock.identity), setIdentity(ours.identity), () => timed(() => tf.clone(hr))),
  );
  tf.dispose([kg, bias, kc, dy, hr]);
}

const f = (x: number) => x.toFixed(1);
const md = [
  '# Training-step kernels of issue 14: A/B in one process',
  '',
  `Each pair timed in turns, ${RUNS} runs after one warm-up pair; ms, min / median. ${runtime}.`,
  `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Node ${process.version}, tfjs ${tf.version.tfjs}, ${started}; 1-minute load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (the machine is shared: compare within a row).`,
  '',
  '| what | before | after | before ms (min / median) | after ms (min / median) | min ratio |',
  '|---|---|---|---:|---:|---:|',
  ...rows.map(
    ({ what, before, after, r }) =>
      `| ${what} | ${before} | ${after} | ${f(r.beforeMin)} / ${f(r.beforeMed)} | ${f(r.afterMin)} / ${f(r.afterMed)} | ${(r.beforeMin / r.afterMin).toFixed(1)}x |`,
  ),
  '',
].join('\n');
const here = dirname(fileURLToPath(import.meta.url));
const path = join(here, 'results', `${STEM}.md`);
writeFileSync(`${path}.tmp`, md);
renameSync(`${path}.tmp`, path);
console.log(`\n${md}`);
