// Times the metrics on a 512 x 512 x 128 pair against a naive implementation of the same
// definitions, in the same run, and writes bench/results/metrics.json.
//   cd packages/hsi-data && npx tsx bench/metrics.bench.ts
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Cube } from '../src/cube.js';
import { computeMetrics, METRIC_NAMES, type MetricReport } from '../src/metrics/index.js';
import { mulberry32, seededNormal } from '../src/prep/random.js';

const ROWS = 512;
const COLS = 512;
const BANDS = 128;
const REPEATS = 5;
const here = dirname(fileURLToPath(import.meta.url));

/** A smooth scene with spectral structure, and a prediction with blur-like error and noise. */
function makePair(): { gt: Float32Array; pred: Float32Array } {
  const n = ROWS * COLS * BANDS;
  const gt = new Float32Array(n);
  const pred = new Float32Array(n);
  const rand = mulberry32(1);
  const phase = Array.from({ length: 8 }, () => rand() * 6.28);
  const noise = seededNormal(n, 2);
  for (let r = 0; r < ROWS; r++)
    for (let c = 0; c < COLS; c++)
      for (let b = 0; b < BANDS; b++) {
        const i = (r * COLS + c) * BANDS + b;
        const s =
          Math.sin(r / 17 + phase[b & 7]) * Math.cos(c / 23 + b / 40) + 0.3 * Math.sin((r + c) / 5);
        gt[i] = 0.5 + 0.35 * s * (0.6 + 0.4 * Math.sin(b / 20));
        pred[i] = gt[i] + 0.01 * noise[i] + 0.02 * Math.sin(r / 3 + c / 4);
      }
  return { gt, pred };
}

/** The obvious implementation: strided band reads and every SSIM window summed from scratch. */
function naiveSspsr(
  gt: Float32Array,
  pred: Float32Array,
  scale: number,
): Omit<MetricReport, 'preset' | 'scale' | 'dataRange'> {
  const n = ROWS * COLS;
  const at = (a: Float32Array, r: number, c: number, b: number) => a[(r * COLS + c) * BANDS + b];
  let psnr = 0;
  let ssim = 0;
  let ergas = 0;
  let cc = 0;
  let sq = 0;
  for (let b = 0; b < BANDS; b++) {
    let mx = 0;
    let my = 0;
    for (let p = 0; p < n; p++) {
      mx += gt[p * BANDS + b];
      my += pred[p * BANDS + b];
    }
    mx /= n;
    my /= n;
    let mse = 0;
    let cov = 0;
    let vx = 0;
    let vy = 0;
    for (let p = 0; p < n; p++) {
      const x = gt[p * BANDS + b];
      const y = pred[p * BANDS + b];
      mse += (x - y) ** 2;
      cov += (x - mx) * (y - my);
      vx += (x - mx) ** 2;
      vy += (y - my) ** 2;
    }
    sq += mse;
    mse /= n;
    psnr += 10 * Math.log10(1 / mse);
    ergas += mse / (mx * mx);
    cc += cov / Math.sqrt(vx * vy);
    let s = 0;
    for (let r = 3; r < ROWS - 3; r++)
      for (let c = 3; c < COLS - 3; c++) {
        let sx = 0;
        let sy = 0;
        let sxx = 0;
        let syy = 0;
        let sxy = 0;
        for (let i = -3; i <= 3; i++)
          for (let j = -3; j <= 3; j++) {
            const x = at(gt, r + i, c + j, b);
            const y = at(pred, r + i, c + j, b);
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
          }
        const ux = sx / 49;
        const uy = sy / 49;
        const k = 49 / 48;
        const vxw = k * (sxx / 49 - ux * ux);
        const vyw = k * (syy / 49 - uy * uy);
        const vxy = k * (sxy / 49 - ux * uy);
        s +=
          ((2 * ux * uy + 1e-4) * (2 * vxy + 9e-4)) /
          ((ux * ux + uy * uy + 1e-4) * (vxw + vyw + 9e-4));
      }
    ssim += s / ((ROWS - 6) * (COLS - 6));
  }
  let sam = 0;
  let count = 0;
  for (let p = 0; p < n; p++) {
    let dot = 0;
    let nx = 0;
    let ny = 0;
    for (let b = 0; b < BANDS; b++) {
      const x = gt[p * BANDS + b];
      const y = pred[p * BANDS + b];
      dot += x * y;
      nx += x * x;
      ny += y * y;
    }
    if (nx * ny > 0) {
      sam += Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(nx * ny))));
      count++;
    }
  }
  return {
    mpsnr: psnr / BANDS,
    mssim: ssim / BANDS,
    sam: ((sam / count) * 180) / Math.PI,
    ergas: (100 / scale) * Math.sqrt(ergas / BANDS),
    cc: cc / BANDS,
    rmse: Math.sqrt(sq / (n * BANDS)),
  };
}

interface Timing<T> {
  /** Best wall-clock time. */
  ms: number;
  /** CPU time of this process in that best run (less sensitive to other jobs on a shared machine). */
  cpuMs: number;
  /** Median wall-clock and CPU time over the repeats (the shared machine's load varies run to run). */
  medianMs: number;
  medianCpuMs: number;
  value: T;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function time<T>(
  label: string,
  fn: () => Promise<T> | T,
  repeats = REPEATS,
): Promise<Timing<T>> {
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = 0;
  let value: T | undefined;
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = await fn();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    walls.push(ms);
    cpus.push((c.user + c.system) / 1000);
    if (ms < best) {
      best = ms;
      bestCpu = (c.user + c.system) / 1000;
    }
  }
  console.log(
    `${label.padEnd(50)} ${best.toFixed(0).padStart(7)} ms wall ${bestCpu.toFixed(0).padStart(7)} ms cpu (best of ${repeats}; median ${median(walls).toFixed(0)} wall, ${median(cpus).toFixed(0)} cpu)`,
  );
  return {
    ms: best,
    cpuMs: bestCpu,
    medianMs: median(walls),
    medianCpuMs: median(cpus),
    value: value as T,
  };
}

async function main() {
  const require = createRequire(import.meta.url);
  setWasmPaths(
    `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
  );
  await tf.setBackend('wasm');
  console.log(
    `metrics on a ${ROWS} x ${COLS} x ${BANDS} pair, Node ${process.version}, TF.js backend ${tf.getBackend()}`,
  );
  const { gt, pred } = makePair();
  const cube = (data: Float32Array): Cube => ({
    rows: ROWS,
    cols: COLS,
    bands: BANDS,
    interleave: 'bip',
    data,
  });
  // Calibration: one multiply-add per sample pair. On a quiet core this is ~30 ms; on a shared,
  // oversubscribed machine it shows how much slower every other line of this run is.
  const calib = await time('calibration: one pass sum(gt * pred)', () => {
    let s = 0;
    for (let i = 0; i < gt.length; i++) s += gt[i] * pred[i];
    return s;
  });
  const sspsr = await time('computeMetrics sspsr (Cube, BIP float32)', () =>
    computeMetrics(cube(gt), cube(pred), { preset: 'sspsr', scale: 4 }),
  );
  const mcnet = await time(
    'computeMetrics mcnet (Cube, 11x11 gaussian SSIM)',
    () => computeMetrics(cube(gt), cube(pred), { preset: 'mcnet', scale: 4 }),
    1,
  );
  const tGt = tf.tensor3d(gt, [ROWS, COLS, BANDS]);
  const tPred = tf.tensor3d(pred, [ROWS, COLS, BANDS]);
  const tensor = await time(
    'computeMetrics sspsr (wasm tensors, incl. read)',
    () => computeMetrics(tGt, tPred, { preset: 'sspsr', scale: 4 }),
    1,
  );
  tf.dispose([tGt, tPred]);
  const naive = await time(
    'baseline: naive sspsr (direct windows)',
    () => naiveSspsr(gt, pred, 4),
    1,
  );
  const keys = METRIC_NAMES;
  const agreement = Object.fromEntries(
    keys.map((k) => [k, Math.abs(sspsr.value[k] - naive.value[k]) / Math.abs(naive.value[k])]),
  );
  console.log('sspsr numbers', keys.map((k) => `${k} ${sspsr.value[k].toFixed(6)}`).join(', '));
  console.log('relative difference fast vs naive', JSON.stringify(agreement));
  console.log(`speed-up over the naive baseline: ${(naive.ms / sspsr.ms).toFixed(1)}x`);
  console.log(
    `sspsr costs ${(sspsr.ms / calib.ms).toFixed(1)} one-pass-equivalents (calibration ${calib.ms.toFixed(0)} ms)`,
  );
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${(await import('node:os')).cpus()[0]?.model ?? 'unknown cpu'} x ${(await import('node:os')).cpus().length}`,
    shape: [ROWS, COLS, BANDS],
    loadAverage: (await import('node:os')).loadavg(),
    ms: {
      calibrationOnePass: calib.ms,
      sspsrCube: sspsr.ms,
      mcnetCube: mcnet.ms,
      sspsrWasmTensors: tensor.ms,
      naiveBaseline: naive.ms,
    },
    cpuMs: {
      calibrationOnePass: calib.cpuMs,
      sspsrCube: sspsr.cpuMs,
      mcnetCube: mcnet.cpuMs,
      sspsrWasmTensors: tensor.cpuMs,
      naiveBaseline: naive.cpuMs,
    },
    median: { sspsrCubeMs: sspsr.medianMs, sspsrCubeCpuMs: sspsr.medianCpuMs },
    speedupOverNaive: naive.ms / sspsr.ms,
    sspsrInCalibrationPasses: sspsr.ms / calib.ms,
    relativeDifferenceVsNaive: agreement,
    sspsr: sspsr.value,
    mcnet: mcnet.value,
  };
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'metrics.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
