// Issue 14's GPU row: `lkca train`'s path (trainOnScenes: patch sampling, MATLAB-bicubic LR, L1,
// gradient clipping, one Adam step; the same as bench/train-step.bench.ts) on WebGPU (dawn.node),
// timed in turns with the PyTorch peer (bench/pytorch_train_step.py) on CUDA on the same machine,
// for the design's student (B = 31 and 128; `conv`, `group`, `svd`; batch 8, 64 x 64 HR). The check
// that WebGPU trains the same net: the same seeded run (seeded init and patches) on wasm and on
// WebGPU, its per-step losses compared. Not part of `npm test` or `npm run bench` (CI has no GPU):
//   npx tsx --conditions=source scripts/gpu-train-bench.ts [--out dir] [--wasm-path dir/]
//     [--configs 31:conv,128:svd] [--rounds 3] [--steps 6] [--python python3] [--torch-device cuda]
//     [--cpu-results bench/results/train-step.json]
// or the bundle made by scripts/bundle-gpu-bench.mjs (gpu-train-bench.mjs). Without a GPU it still
// runs (dawn picks a software adapter; --torch-device cpu) so the script itself can be checked.
// Writes train-gpu.json and train-gpu.md to --out (default bench/results), beside the CPU numbers
// of bench/results/train-step.json when that file is there.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Cube } from '@hsrkit/hsi-data';
import { selectRuntime } from '@hsrkit/inference/node';
import * as tf from '@tensorflow/tfjs';
import type { UpsamplerKind } from '../src/model.js';
import {
  benchTrainRun,
  median,
  syntheticScene,
  TorchTrainPeer,
} from '../bench/train-bench-support.js';
import { importBackendModule } from './gpu-backends.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const outDir = arg('out') ?? new URL('../bench/results/', import.meta.url).pathname;
const wasmPath = arg('wasm-path');
const python = arg('python') ?? 'python3';
const torchDevice = arg('torch-device') ?? 'cuda';
// In the repo the peer is in bench/; in the bundle (scripts/bundle-gpu-bench.mjs) beside this file.
const besideScript = new URL('./pytorch_train_step.py', import.meta.url).pathname;
const torchScript =
  arg('torch-script') ??
  (existsSync(besideScript)
    ? besideScript
    : new URL('../bench/pytorch_train_step.py', import.meta.url).pathname);
const ROUNDS = Number(arg('rounds') ?? 3);
const STEPS = Number(arg('steps') ?? 6);
const WARMUP = 2;
const CHECK_STEPS = 3;
const SCALE = 4;
const BATCH = 8;
const HR_PATCH = 64;
const configs = (arg('configs') ?? '31:conv,31:group,31:svd,128:conv,128:group,128:svd')
  .split(',')
  .map((s) => {
    const [b, u] = s.split(':');
    return { bands: Number(b), upsampler: u as UpsamplerKind };
  });

const importModule = importBackendModule;
const gpu = await selectRuntime('webgpu', { importModule });
console.log(`webgpu on ${gpu.device}`);

const trainRun = (cube: Cube, upsampler: UpsamplerKind, steps: number, seed: number) =>
  benchTrainRun(cube, { upsampler, steps, seed, scale: SCALE, batch: BATCH, hrPatch: HR_PATCH });

const torch = new TorchTrainPeer(python, torchScript);
const rows: Record<string, unknown>[] = [];
try {
  for (const { bands, upsampler } of configs) {
    const cube = syntheticScene(bands);
    // The check: the same seeded run on wasm and on WebGPU.
    await selectRuntime('wasm', { wasmPath, importModule });
    const onWasm = await trainRun(cube, upsampler, CHECK_STEPS, 11);
    await selectRuntime('webgpu', { importModule });
    const onGpu = await trainRun(cube, upsampler, CHECK_STEPS, 11);
    const lossRel = Math.max(
      ...onGpu.losses.map((l, i) => Math.abs(l - onWasm.losses[i]) / Math.abs(onWasm.losses[i])),
    );
    const ours: number[] = [];
    const peer: number[] = [];
    let peerInfo: { params: number; device: string } | null = null;
    let leaked = onGpu.leaked;
    for (let round = 0; round < ROUNDS; round++) {
      const run = await trainRun(cube, upsampler, WARMUP + STEPS, round);
      leaked = Math.max(leaked, run.leaked);
      ours.push((run.at[WARMUP + STEPS] - run.at[WARMUP]) / STEPS);
      const t = await torch.time({
        bands,
        scale: SCALE,
        lr: HR_PATCH / SCALE,
        upsampler,
        batch: BATCH,
        threads: cpus().length,
        device: torchDevice,
        warmup: WARMUP,
        steps: STEPS,
      });
      if (t) {
        peer.push(t.ms_per_step);
        peerInfo = t;
        if (t.params !== onGpu.params)
          throw new Error(`PyTorch peer has ${t.params} params, TF.js ${onGpu.params}`);
      }
      console.log(
        `B=${bands} ${upsampler} round ${round}: WebGPU ${ours.at(-1)!.toFixed(1)} ms/step, PyTorch ${t ? `${t.ms_per_step.toFixed(1)} ms (${t.device})` : 'unavailable'}`,
      );
    }
    const row = {
      bands,
      upsampler,
      params: onGpu.params,
      webgpuMs: median(ours),
      torchMs: peer.length ? median(peer) : null,
      torchDevice: peerInfo?.device ?? null,
      ratio: peer.length ? median(ours) / median(peer) : null,
      lossRelDiffVsWasm: lossRel,
      tensorsLeaked: leaked,
      rounds: { webgpu: ours, torch: peer },
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
} finally {
  torch.close();
}

// The CPU numbers of the same path and peer (bench/train-step.bench.ts), when they are there.
const cpuFile =
  arg('cpu-results') ?? new URL('../bench/results/train-step.json', import.meta.url).pathname;
const cpu = new Map<string, { oursMs: number; torch2Ms: number; ratio2: number }>();
if (existsSync(cpuFile))
  for (const r of JSON.parse(readFileSync(cpuFile, 'utf8')).summary)
    cpu.set(`${r.bands}:${r.upsampler}`, r);

mkdirSync(outDir, { recursive: true });
const date = new Date().toISOString();
writeFileSync(
  join(outDir, 'train-gpu.json'),
  `${JSON.stringify({ date, device: gpu.device, torchDevice, batch: BATCH, hrPatch: HR_PATCH, warmup: WARMUP, steps: STEPS, rounds: ROUNDS, rows }, null, 2)}\n`,
);
const f = (v: unknown, d = 1) => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
const md = [
  "# LKCA-Net training step on a GPU: `lkca train`'s path on WebGPU vs the PyTorch peer on CUDA",
  '',
  `${gpu.device}; PyTorch on ${torchDevice}; host ${cpus()[0]?.model} x${cpus().length}; Node ${process.version}, tfjs ${tf.version.tfjs}; ${date}.`,
  `trainOnScenes (patches, MATLAB-bicubic LR, L1, clipNorm 1, Adam; each step's loss read back) vs bench/pytorch_train_step.py (same net, L1, clip_grad_norm_, Adam; float(loss) each step), batch ${BATCH}, ${HR_PATCH}x${HR_PATCH} HR, x${SCALE}; each cell is the median over ${ROUNDS} rounds (timed in turns) of the mean of ${STEPS} steps after ${WARMUP} warm-up steps.`,
  `"loss vs wasm": the largest relative difference of the first ${CHECK_STEPS} losses of the same seeded run on wasm and on WebGPU. CPU columns: bench/results/train-step.json (wasm with our kernels vs PyTorch 2 threads, this repo's 2-core machine).`,
  '',
  `| bands | upsampler | params | WebGPU ms/step | PyTorch (${torchDevice}) ms/step | WebGPU / PyTorch | loss vs wasm | tensors leaked | CPU: ours ms | CPU: ours / PyTorch 2t |`,
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const c = cpu.get(`${r.bands}:${r.upsampler}`);
    return `| ${r.bands} | ${r.upsampler} | ${r.params} | ${f(r.webgpuMs)} | ${f(r.torchMs)} | ${f(r.ratio, 2)} | ${(r.lossRelDiffVsWasm as number).toExponential(1)} | ${r.tensorsLeaked} | ${f(c?.oursMs)} | ${f(c?.ratio2, 2)} |`;
  }),
  '',
];
writeFileSync(join(outDir, 'train-gpu.md'), md.join('\n'));
console.log(md.join('\n'));
process.exit(0);
