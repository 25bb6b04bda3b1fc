// Training-step benchmark against PyTorch: the step time of `lkca train`'s path (trainOnScenes:
// patch sampling, MATLAB-bicubic LR, L1 loss, gradient clipping, one Adam step, on the wasm
// backend with whatever kernels the trainer picks by default) for the design's student, against
// a PyTorch 1.13 copy of the same spec (bench/pytorch_train_step.py) with 1 and 2 threads. The
// three are timed in turns, round after round, in one run; each number is the median over rounds
// of one round's mean step time after warm-up steps.
// Run: npx tsx --conditions=source bench/train-step.bench.ts   (from packages/lkca-net)
// Env: TRAIN_BENCH_ONLY=31:conv,128:svd (subset), TRAIN_BENCH_ROUNDS (3), TRAIN_BENCH_STEPS (6),
// TRAIN_BENCH_OUT (file name stem, default train-step), PYTHON (default /usr/bin/python3).
// Writes bench/results/<stem>.json and .md.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cube } from '@hsrkit/hsi-data';
import * as tf from '@tensorflow/tfjs';
import type { UpsamplerKind } from '../src/model.js';
import { benchTrainRun, median, syntheticScene, TorchTrainPeer } from './train-bench-support.js';
import { startWasmForBench } from './wasm-runtime.js';

const SCALE = 4;
const BATCH = 8;
const HR_PATCH = 64;
const WARMUP = 2;
const STEPS = Number(process.env.TRAIN_BENCH_STEPS ?? 6);
const ROUNDS = Number(process.env.TRAIN_BENCH_ROUNDS ?? 3);
const STEM = process.env.TRAIN_BENCH_OUT ?? 'train-step';
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));

const ALL: { bands: number; upsampler: UpsamplerKind }[] = [];
for (const bands of [31, 128])
  for (const upsampler of ['conv', 'group', 'svd'] as UpsamplerKind[])
    ALL.push({ bands, upsampler });
const only = process.env.TRAIN_BENCH_ONLY?.split(',').map((s) => s.trim());
const CONFIGS = only ? ALL.filter((c) => only.includes(`${c.bands}:${c.upsampler}`)) : ALL;

/** Times one trainOnScenes run: mean ms of the steps after WARMUP (from its progress events). */
async function timeOurs(cube: Cube, upsampler: UpsamplerKind, seed: number) {
  const { at, losses, params, kernels } = await benchTrainRun(cube, {
    upsampler,
    steps: WARMUP + STEPS,
    seed,
    scale: SCALE,
    batch: BATCH,
    hrPatch: HR_PATCH,
  });
  const ms = (at[WARMUP + STEPS] - at[WARMUP]) / STEPS;
  return {
    ms,
    params,
    firstLoss: losses[0],
    lastLoss: losses.at(-1)!,
    kernels,
  };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Ratios of an earlier run (e.g. the baseline before our kernels), if its JSON is there. */
function earlier(stem: string): Map<string, { oursMs: number; ratio2: number }> {
  const map = new Map<string, { oursMs: number; ratio2: number }>();
  try {
    const j = JSON.parse(readFileSync(join(here, 'results', `${stem}.json`), 'utf8'));
    for (const r of j.summary) map.set(`${r.bands}:${r.upsampler}`, r);
  } catch {}
  return map;
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  // The 1-minute load average at the start and end: the machine may be shared.
  const loadStart = loadavg()[0];
  const runtime = await startWasmForBench();
  console.log(`runtime: ${runtime}`);
  const torch = new TorchTrainPeer(PYTHON, join(here, 'pytorch_train_step.py'));
  const timeTorch = async (bands: number, upsampler: UpsamplerKind, threads: number) => {
    const req = { bands, scale: SCALE, lr: HR_PATCH / SCALE, upsampler, batch: BATCH, threads };
    const a = await torch.time({ ...req, warmup: WARMUP, steps: STEPS });
    if (!a) throw new Error('the PyTorch peer exited');
    return a;
  };
  const rows = [];
  try {
    for (const { bands, upsampler } of CONFIGS) {
      const cube = syntheticScene(bands);
      const ours: number[] = [];
      const t1: number[] = [];
      const t2: number[] = [];
      let last: Awaited<ReturnType<typeof timeOurs>> | undefined;
      let torchParams = 0;
      let torchVersion = '';
      for (let round = 0; round < ROUNDS; round++) {
        last = await timeOurs(cube, upsampler, round);
        ours.push(last.ms);
        const a = await timeTorch(bands, upsampler, 1);
        const b = await timeTorch(bands, upsampler, 2);
        t1.push(a.ms_per_step);
        t2.push(b.ms_per_step);
        torchParams = a.params;
        torchVersion = a.torch;
        console.log(
          `B=${bands} ${upsampler.padEnd(5)} round ${round}: ours ${last.ms.toFixed(1)} ms, torch 1t ${a.ms_per_step.toFixed(1)} ms, 2t ${b.ms_per_step.toFixed(1)} ms`,
        );
      }
      const oursMs = median(ours);
      rows.push({
        bands,
        upsampler,
        params: last!.params,
        torchParams,
        torch: torchVersion,
        oursMs: r1(oursMs),
        torch1Ms: r1(median(t1)),
        torch2Ms: r1(median(t2)),
        ratio1: r2(oursMs / median(t1)),
        ratio2: r2(oursMs / median(t2)),
        rounds: { ours: ours.map(r1), torch1: t1.map(r1), torch2: t2.map(r1) },
        loss: { first: last!.firstLoss, last: last!.lastLoss },
        kernels: last!.kernels,
      });
    }
  } finally {
    torch.close();
  }
  const setup = {
    started,
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    tfjs: tf.version.tfjs,
    runtime,
    model: `lkcaNet({bands, scale: ${SCALE}, upsampler}) (4 LKB, C = 64)`,
    path: 'trainOnScenes: 256x256 synthetic scene, PatchDataset, L1, clipNorm 1, Adam, cosine lr',
    batch: BATCH,
    hrPatch: HR_PATCH,
    warmupSteps: WARMUP,
    timedSteps: STEPS,
    rounds: ROUNDS,
    loadAverage: { start: r2(loadStart), end: r2(loadavg()[0]), cores: cpus().length },
  };
  const dir = join(here, 'results');
  const before = STEM === 'train-step' ? earlier('train-step-baseline') : new Map();
  writeAtomic(join(dir, `${STEM}.json`), `${JSON.stringify({ setup, summary: rows }, null, 2)}\n`);
  const hasBefore = before.size > 0;
  const md = [
    '# LKCA-Net training step: `lkca train` path (TF.js wasm) vs PyTorch (CPU)',
    '',
    `One training step of \`${setup.model}\`, batch ${BATCH}, ${HR_PATCH}x${HR_PATCH} HR patches (x${SCALE}).`,
    `Ours: ${setup.path}, so it includes the data path; ${runtime}.`,
    `PyTorch ${rows[0]?.torch ?? ''}: the same net (scripts/pytorch_reference.py), random tensors, L1, clip_grad_norm_(1), Adam (bench/pytorch_train_step.py).`,
    `Ours, PyTorch 1 thread and PyTorch 2 threads timed in turns; each cell is the median over ${ROUNDS} rounds of the mean of ${STEPS} steps after ${WARMUP} warm-up steps.`,
    `${setup.cpu}, Node ${setup.node}, tfjs ${setup.tfjs}, ${started}. The machine is shared: ratios from one run are what to compare.`,
    `1-minute load average ${setup.loadAverage.start} at the start, ${setup.loadAverage.end} at the end, on ${setup.loadAverage.cores} cores (above the core count, other work shared the cores and PyTorch's 2-thread times suffer most).`,
    '',
    `| bands | upsampler | params | ours ms/step | PyTorch 1t ms | PyTorch 2t ms | ours / PyTorch 1t | ours / PyTorch 2t |${hasBefore ? ' before: ours ms | before: ours / 2t |' : ''}`,
    `|---:|---|---:|---:|---:|---:|---:|---:|${hasBefore ? '---:|---:|' : ''}`,
    ...rows.map((r) => {
      const b = before.get(`${r.bands}:${r.upsampler}`);
      return `| ${r.bands} | ${r.upsampler} | ${r.params} | ${r.oursMs.toFixed(0)} | ${r.torch1Ms.toFixed(0)} | ${r.torch2Ms.toFixed(0)} | ${r.ratio1.toFixed(2)} | **${r.ratio2.toFixed(2)}** |${hasBefore ? ` ${b ? b.oursMs.toFixed(0) : '-'} | ${b ? b.ratio2.toFixed(2) : '-'} |` : ''}`;
    }),
    '',
  ].join('\n');
  writeAtomic(join(dir, `${STEM}.md`), md);
  console.log(`\n${md}`);
}

await main();
