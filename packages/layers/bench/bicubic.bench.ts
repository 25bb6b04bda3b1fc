// Bench: MATLAB bicubic x1/4 (antialiased) on a [1, 512, 512, 128] cube on the WASM backend
// (method 'auto': the polyphase depthwise conv where the cost model says it pays), against, on
// the same tensor in the same run: the weight-matrix path (method 'matmul', the previous
// implementation), tf.image.resizeBilinear (a built-in fused resize kernel), and the
// straightforward way to apply the same weights (one broadcast batched matMul per axis in
// NHWC, no transposes). Also times the x4 upscale of a [1, 128, 128, 128] cube (the LKCA-Net
// skip path). The machine's load average goes into the results.
// Run from packages/layers:  npx tsx --conditions=source bench/bicubic.bench.ts [--runs N]
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { bicubicOutputSize, bicubicResize, imresizeWeights } from '../src/bicubic.js';

const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 5;
const here = dirname(fileURLToPath(import.meta.url));

interface Timing {
  name: string;
  inShape: number[];
  outShape: number[];
  medianMs: number;
  minMs: number;
  runs: number;
}

async function time(name: string, x: tf.Tensor4D, op: (x: tf.Tensor4D) => tf.Tensor4D) {
  // Warm-up: first call compiles / allocates.
  const warm = op(x);
  await warm.data();
  const outShape = warm.shape;
  warm.dispose();
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const y = op(x);
    await y.data();
    ms.push(performance.now() - t0);
    y.dispose();
  }
  ms.sort((a, b) => a - b);
  const t: Timing = {
    name,
    inShape: x.shape,
    outShape,
    medianMs: ms[Math.floor(ms.length / 2)],
    minMs: ms[0],
    runs: RUNS,
  };
  console.log(
    `${name.padEnd(44)} [${t.inShape}] -> [${t.outShape}]  median ${t.medianMs.toFixed(1)} ms  min ${t.minMs.toFixed(1)} ms`,
  );
  return t;
}

/** Baseline: W_r and W_c as broadcast batched matMuls straight on NHWC. */
function naiveResize(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [H, W] = [bicubicOutputSize(h, scale), bicubicOutputSize(w, scale)];
    const wr = tf.tensor3d(imresizeWeights(h, H, scale), [1, H, h]);
    const wc = tf.tensor3d(imresizeWeights(w, W, scale), [1, W, w]);
    const rows = tf.matMul(wr, x.reshape([n, h, w * c])).reshape([n * H, w, c]);
    return tf.matMul(wc, rows).reshape([n, H, W, c]);
  });
}

async function main() {
  // @hsrkit/testing pulls in vitest, so start WASM here: point it at its own dist folder.
  const require = createRequire(import.meta.url);
  setWasmPaths(
    `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
  );
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to start');
  await tf.ready();
  const big = tf.randomUniform([1, 512, 512, 128], 0, 1, 'float32', 7) as tf.Tensor4D;
  const small = tf.randomUniform([1, 128, 128, 128], 0, 1, 'float32', 8) as tf.Tensor4D;
  const timings = [
    await time('bicubicResize x1/4 (MATLAB, antialias)', big, (x) =>
      bicubicResize(x, { scale: 0.25 }),
    ),
    await time("baseline bicubicResize x1/4 method 'matmul'", big, (x) =>
      bicubicResize(x, { scale: 0.25, method: 'matmul' }),
    ),
    await time('baseline tf.image.resizeBilinear x1/4', big, (x) =>
      tf.image.resizeBilinear(x, [128, 128]),
    ),
    await time('baseline broadcast matMuls x1/4', big, (x) => naiveResize(x, 0.25)),
    await time('bicubicResize x4 (MATLAB)', small, (x) => bicubicResize(x, { scale: 4 })),
    await time("baseline bicubicResize x4 method 'matmul'", small, (x) =>
      bicubicResize(x, { scale: 4, method: 'matmul' }),
    ),
    await time('baseline tf.image.resizeBilinear x4', small, (x) =>
      tf.image.resizeBilinear(x, [512, 512]),
    ),
    await time('baseline broadcast matMuls x4', small, (x) => naiveResize(x, 4)),
  ];
  // Same numbers: the chosen path against the matMul path on the benched tensors.
  const maxAbsDiffVsMatMulPath = async (x: tf.Tensor4D, scale: number) => {
    const d = tf.tidy(() =>
      tf.max(
        tf.abs(tf.sub(bicubicResize(x, { scale }), bicubicResize(x, { scale, method: 'matmul' }))),
      ),
    );
    const v = (await d.data())[0];
    d.dispose();
    return v;
  };
  const maxAbsDiffDown = await maxAbsDiffVsMatMulPath(big, 0.25);
  const maxAbsDiffUp = await maxAbsDiffVsMatMulPath(small, 4);
  console.log(`max abs diff vs the matMul path: x1/4 ${maxAbsDiffDown}, x4 ${maxAbsDiffUp}`);
  big.dispose();
  small.dispose();
  const result = {
    bench: 'bicubic',
    backend: tf.getBackend(),
    node: process.version,
    date: new Date().toISOString(),
    loadAverage1m: loadavg()[0],
    ratioDownVsMatMulPath: timings[0].medianMs / timings[1].medianMs,
    ratioDownVsBilinear: timings[0].medianMs / timings[2].medianMs,
    ratioDownVsBroadcastMatMuls: timings[0].medianMs / timings[3].medianMs,
    ratioUpVsMatMulPath: timings[4].medianMs / timings[5].medianMs,
    ratioUpVsBilinear: timings[4].medianMs / timings[6].medianMs,
    ratioUpVsBroadcastMatMuls: timings[4].medianMs / timings[7].medianMs,
    maxAbsDiffVsMatMulPath: { down: maxAbsDiffDown, up: maxAbsDiffUp },
    timings,
  };
  console.log(
    `median ratios x1/4: vs matMul path ${result.ratioDownVsMatMulPath.toFixed(2)}, vs bilinear ${result.ratioDownVsBilinear.toFixed(2)}, vs broadcast matMuls ${result.ratioDownVsBroadcastMatMuls.toFixed(2)}; x4: vs matMul path ${result.ratioUpVsMatMulPath.toFixed(2)}, vs bilinear ${result.ratioUpVsBilinear.toFixed(2)}, vs broadcast matMuls ${result.ratioUpVsBroadcastMatMuls.toFixed(2)} (load average ${result.loadAverage1m.toFixed(1)})`,
  );
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'bicubic.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
