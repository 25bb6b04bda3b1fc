// LKCA-Net inference the way `lkca upscale` / `lkca bench` run it (tiles, worker threads), on the
// TF.js backends, against the PyTorch peer (scripts/pytorch_reference.py: same spec, same params) on
// the CPU of the same machine, in the same run. Not a test. Writes bench/results/inference.json
// and .md. PyTorch rows need Debian's python3-torch; without it they are reported as missing.
// Env: BENCH_REPEATS (default 7), BENCH_ROUNDS (default 3), BENCH_SIZES (default 64,128), BENCH_CPU=0 to skip the slow cpu
// backend, BENCH_WEBGPU=1 to time webgpu even on a software adapter.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restoreStockWasmKernels } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { benchInference, type RuntimeName, saveModel, selectRuntime } from '@hsrkit/inference/node';
import { lkcaNet, type UpsamplerKind } from '../src/model.js';
import { modelCost } from '../src/model-cost.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repeats = Number(process.env.BENCH_REPEATS ?? 7);
const sizes = (process.env.BENCH_SIZES ?? '64,128').split(',').map(Number);
const cores = cpus().length;
const bands = 128;
const scale = 4;

interface Variant {
  label: string;
  runtime: RuntimeName;
  workers: number;
  /** Our WebAssembly kernels: Winograd/GEMM convs and the fused sub-pixel tail. */
  ours: boolean;
  relaxedSimd: boolean;
}
// The baseline (TF.js's stock wasm kernels, one thread), what our kernels give on one thread,
// without relaxed SIMD (FMA), and what a user gets (workers, our kernels, FMA).
const variants: Variant[] = [
  {
    label: 'wasm, 1 thread, stock kernels',
    runtime: 'wasm',
    workers: 1,
    ours: false,
    relaxedSimd: false,
  },
  {
    label: 'wasm, 1 thread, our kernels',
    runtime: 'wasm',
    workers: 1,
    ours: true,
    relaxedSimd: true,
  },
  {
    label: `wasm, ${cores} workers, our kernels, no FMA`,
    runtime: 'wasm',
    workers: cores,
    ours: true,
    relaxedSimd: false,
  },
  {
    label: `wasm, ${cores} workers, our kernels`,
    runtime: 'wasm',
    workers: cores,
    ours: true,
    relaxedSimd: true,
  },
];
if (process.env.BENCH_CPU !== '0')
  variants.push({
    label: `cpu, ${cores} workers`,
    runtime: 'cpu',
    workers: cores,
    ours: true,
    relaxedSimd: true,
  });

function timeTorch(up: UpsamplerKind, size: number, threads: number) {
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        `${here}../scripts/pytorch_speed.py`,
        String(bands),
        String(scale),
        String(size),
        up,
        String(repeats),
        String(threads),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return JSON.parse(out.trim()) as { ms_median: number; params: number; torch: string };
  } catch {
    return null;
  }
}

interface Row {
  upsampler: UpsamplerKind;
  size: number;
  params: number;
  gmac: number;
  ms: Record<string, number>;
  /** Tiles of the user path, e.g. '2 of 40x64'. */
  tiles: string;
  torch1: number | null;
  torchN: number | null;
  torch: string;
  /** Per round: the user path's median and PyTorch's (all cores), timed in turns. */
  roundsOurs: number[];
  roundsTorch: number[];
  /** Median over rounds of (user path / PyTorch, all cores). */
  ratio: number | null;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

const user = `wasm, ${cores} workers, our kernels`;
const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'lkca-bench-'));
// The design's student at each size; its low-rank variants at the first size.
const configs: { upsampler: UpsamplerKind; size: number }[] = [
  ...sizes.map((size) => ({ upsampler: 'conv' as const, size })),
  { upsampler: 'group', size: sizes[0] },
  { upsampler: 'svd', size: sizes[0] },
];
let webgpu: string | null = null;
try {
  const info = await selectRuntime('webgpu');
  // A software adapter (SwiftShader, llvmpipe) takes minutes per forward: skip unless asked.
  if (process.env.BENCH_WEBGPU === '1' || !/swiftshader|llvmpipe/i.test(info.device))
    webgpu = info.device;
} catch {
  webgpu = null;
}
if (webgpu)
  variants.push({
    label: 'webgpu',
    runtime: 'webgpu',
    workers: 1,
    ours: false,
    relaxedSimd: false,
  });

try {
  for (const c of configs) {
    await selectRuntime('wasm');
    const model = lkcaNet({ bands, scale, upsampler: c.upsampler });
    const path = join(dir, `${c.upsampler}`);
    await saveModel(model, path);
    const row: Partial<Row> = { ...c, ms: {} };
    const timeVariant = async (v: Variant, reps: number) => {
      await selectRuntime(v.runtime, { winogradConv: v.ours, relaxedSimd: v.relaxedSimd });
      if (!v.ours) restoreStockWasmKernels();
      const r = await benchInference({
        model,
        modelPath: path,
        cost: modelCost,
        runtime: v.runtime,
        winogradConv: v.ours,
        fusedTail: v.ours,
        relaxedSimd: v.relaxedSimd,
        size: c.size,
        workers: v.workers,
        repeats: reps,
      });
      row.params = r.params;
      row.gmac = r.macs! / 1e9;
      if (v.label === user) row.tiles = `${r.tiles} of ${r.tileSize.join('x')}`;
      return r;
    };
    for (const v of variants) {
      // The cpu backend is ~50x slower than wasm: time it on the first size only.
      if (v.runtime === 'cpu' && c.size !== sizes[0]) continue;
      if (v.label === user) continue; // below, interleaved with PyTorch
      const r = await timeVariant(v, v.runtime === 'cpu' ? 2 : repeats);
      row.ms![v.label] = r.ms_median;
      console.log(
        `${c.upsampler} ${c.size}: ${v.label} ${r.ms_median.toFixed(1)} ms (${r.tiles} tiles)`,
      );
    }
    // The user path and PyTorch with all cores take turns, ROUNDS times: this machine's speed
    // drifts by tens of percent over minutes, and the ratio should compare like with like.
    const ours: number[] = [];
    const theirs: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = await timeVariant(variants.find((v) => v.label === user)!, repeats);
      const t = timeTorch(c.upsampler, c.size, cores);
      ours.push(r.ms_median);
      if (t) {
        theirs.push(t.ms_median);
        ratios.push(r.ms_median / t.ms_median);
      }
      console.log(
        `${c.upsampler} ${c.size}: round ${round + 1}: ${user} ${r.ms_median.toFixed(1)} ms, PyTorch ${cores} threads ${t ? t.ms_median.toFixed(1) : 'n/a'} ms`,
      );
    }
    row.ms![user] = median(ours);
    row.roundsOurs = ours;
    row.roundsTorch = theirs;
    row.ratio = ratios.length ? median(ratios) : null;
    const t1 = timeTorch(c.upsampler, c.size, 1);
    if (t1 && t1.params !== row.params)
      throw new Error(`PyTorch peer has ${t1.params} params, TF.js ${row.params}`);
    row.torch1 = t1?.ms_median ?? null;
    row.torchN = theirs.length ? median(theirs) : null;
    row.torch = t1?.torch ?? 'missing (apt-get install python3-torch)';
    console.log(JSON.stringify(row));
    rows.push(row as Row);
    model.dispose();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(1) : 'n/a');
const labels = variants.map((v) => v.label);
const md = [
  '# LKCA-Net inference: TF.js as `lkca upscale` runs it vs the PyTorch peer (CPU), same machine, same run',
  '',
  `${cpus()[0].model} x${cores}, Node ${process.version}, tfjs ${tf.version.tfjs}, PyTorch ${rows[0]?.torch ?? 'n/a'}, ${new Date().toISOString()}.`,
  `${bands} bands, x${scale}, batch 1; median of ${repeats} full forwards after a warm-up (cpu: 2), each through \`benchInference\`: the LR input cut into tiles (default edge, overlap 16; cut further so every worker has one), run by worker threads, feathered into the HR cube. PyTorch gets the same spec and ${cores} threads (and 1).`,
  '"our kernels": @hsrkit/layers\' WebAssembly SIMD kernels, registerWasmSimdKernels (3x3 convs by Winograd F(4x4,3x3), 1x1 and block-diagonal 1x1 as GEMMs) and the fused sub-pixel tail (SubPixelTail: upsampler conv + PixelShuffle + bicubic skip in one pass); "no FMA": the plain-SIMD build instead of relaxed SIMD (Node 20 has relaxed SIMD behind a V8 flag, which the runtime sets).',
  webgpu
    ? `webgpu: ${webgpu}.`
    : 'webgpu: no hardware adapter here (see inference-gpu.md for an H200).',
  '',
  `| upsampler | LR size | params | GMAC | user-path tiles | ${labels.map((l) => `${l} ms`).join(' | ')} | PyTorch 1 thread ms | PyTorch ${cores} threads ms | user path / PyTorch ${cores}t | speed-up of our kernels (1 thread) |`,
  `|---|---:|---:|---:|---|${labels.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
  ...rows.map((r) => {
    const ratio = r.ratio !== null ? r.ratio.toFixed(2) : 'n/a';
    const ours =
      r.ms[labels[0]] && r.ms[labels[1]]
        ? `${(r.ms[labels[0]] / r.ms[labels[1]]).toFixed(2)}x`
        : 'n/a';
    return `| ${r.upsampler} | ${r.size} | ${r.params} | ${r.gmac.toFixed(2)} | ${r.tiles ?? 'n/a'} | ${labels.map((l) => fmt(r.ms[l])).join(' | ')} | ${fmt(r.torch1)} | ${fmt(r.torchN)} | ${ratio} | ${ours} |`;
  }),
  '',
  `"user path / PyTorch": the median over ${ROUNDS} rounds, in each of which the user path (${user}) and PyTorch with ${cores} threads were timed one after the other (${repeats} forwards each); below 1 means TF.js is faster. Per round (ms, ours / PyTorch): ${rows.map((r) => `${r.upsampler} ${r.size}: ${r.roundsOurs.map((v, i) => `${v.toFixed(0)}/${r.roundsTorch[i]?.toFixed(0) ?? 'n/a'}`).join(', ')}`).join('; ')}.`,
  '',
];
writeFileSync(
  `${here}results/inference.json`,
  `${JSON.stringify({ date: new Date().toISOString(), repeats, cores, rows }, null, 2)}\n`,
);
writeFileSync(`${here}results/inference.md`, md.join('\n'));
console.log(md.join('\n'));
process.exit(0);
