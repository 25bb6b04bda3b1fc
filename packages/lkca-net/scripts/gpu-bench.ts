// LKCA-Net on a real GPU through WebGPU (dawn.node over Vulkan), in the same run as:
//  - the wasm backend on the same input, to check the GPU result (max |diff| / max |y|);
//  - the PyTorch peer (scripts/pytorch_speed.py, same spec) on CUDA, when python3 has torch + CUDA;
//  - the tiled path `upscale` uses (benchInference), on the GPU.
// Not part of `npm test` or `npm run bench` (CI has no GPU). Usage:
//   npx tsx --conditions=source scripts/gpu-bench.ts [--out dir] [--wasm-path dir/] [--repeats n]
// or, on a machine without npm, the bundle made by scripts/bundle-gpu-bench.mjs.
// Writes inference-gpu.json and inference-gpu.md to --out (default bench/results).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { benchInference, selectRuntime } from '@hsrkit/inference/node';
import { lkcaNet, type UpsamplerKind } from '../src/model.js';
import { modelCost } from '../src/model-cost.js';
import { importBackendModule } from './gpu-backends.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const outDir = arg('out') ?? new URL('../bench/results/', import.meta.url).pathname;
const wasmPath = arg('wasm-path');
const repeats = Number(arg('repeats') ?? 10);
const torchScript = arg('torch-script') ?? new URL('./pytorch_speed.py', import.meta.url).pathname;
const python = arg('python') ?? 'python3';
const sizes = (arg('sizes') ?? '64,128,256').split(',').map(Number);
const tiledSize = Number(arg('tiled-size') ?? 256);

const importModule = importBackendModule;
const gpu = await selectRuntime('webgpu', { importModule });
console.log(`webgpu on ${gpu.device}`);
await selectRuntime('wasm', { wasmPath, importModule });

async function timeForward(model: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const run = async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  await run();
  await run();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[ms.length >> 1];
}

function torchCuda(bands: number, size: number, up: UpsamplerKind) {
  try {
    const out = execFileSync(
      python,
      [torchScript, String(bands), '4', String(size), up, String(repeats), '1', 'cuda'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim()) as { ms_median: number; params: number; device: string };
  } catch (e) {
    console.log(`PyTorch CUDA unavailable: ${String((e as Error).message).split('\n')[0]}`);
    return null;
  }
}

const rows: Record<string, unknown>[] = [];
for (const upsampler of ['conv', 'group', 'svd'] as UpsamplerKind[]) {
  for (const size of sizes) {
    const bands = 128;
    await selectRuntime('wasm', { wasmPath });
    const model = lkcaNet({ bands, scale: 4, upsampler });
    const cost = modelCost(model, [size, size]);
    const x = tf.randomUniform([1, size, size, bands], 0, 1, 'float32', 7);
    const row: Record<string, unknown> = { bands, scale: 4, size, upsampler, params: cost.params };
    row.gmac = cost.macs / 1e9;
    // The check: wasm and WebGPU on the same input and weights (the first size only: wasm is slow).
    let reference: Float32Array | undefined;
    if (size === sizes[0]) {
      const y = model.predict(x) as tf.Tensor;
      reference = (await y.data()) as Float32Array;
      y.dispose();
    }
    await selectRuntime('webgpu');
    if (reference) {
      const y = model.predict(x) as tf.Tensor;
      const got = (await y.data()) as Float32Array;
      y.dispose();
      let diff = 0;
      let peak = 0;
      for (let i = 0; i < got.length; i++) {
        diff = Math.max(diff, Math.abs(got[i] - reference[i]));
        peak = Math.max(peak, Math.abs(reference[i]));
      }
      row.webgpu_vs_wasm_max_abs = diff;
      row.webgpu_vs_wasm_rel = diff / peak;
    }
    row.webgpu_ms = await timeForward(model, x);
    row.webgpu_gmac_per_s = (cost.macs / 1e9 / (row.webgpu_ms as number)) * 1000;
    const torch = torchCuda(bands, size, upsampler);
    if (torch && torch.params !== cost.params)
      throw new Error(`PyTorch peer has ${torch.params} params, TF.js ${cost.params}`);
    row.torch_cuda_ms = torch?.ms_median ?? null;
    row.torch_device = torch?.device ?? null;
    console.log(JSON.stringify(row));
    rows.push(row);
    x.dispose();
    model.dispose();
  }
}

// The path `lkca upscale` takes on the GPU: 64x64 tiles (overlap 16) of a 256x256 LR scene.
await selectRuntime('webgpu');
const tiledModel = lkcaNet({ bands: 128, scale: 4, upsampler: 'conv' });
const tiled = await benchInference({
  model: tiledModel,
  cost: modelCost,
  size: tiledSize,
  repeats: 3,
});
tiledModel.dispose();
console.log(JSON.stringify({ tiled: { ...tiled, ms: undefined } }));

mkdirSync(outDir, { recursive: true });
const date = new Date().toISOString();
writeFileSync(
  join(outDir, 'inference-gpu.json'),
  `${JSON.stringify({ date, device: gpu.device, repeats, rows, tiled: { ...tiled, ms: undefined } }, null, 2)}\n`,
);
const f = (v: unknown, d = 1) => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
const md = [
  '# LKCA-Net on a GPU: WebGPU (dawn.node, Vulkan) vs the PyTorch peer on CUDA, same machine, same run',
  '',
  `${gpu.device}; host ${cpus()[0].model} x${cpus().length}; Node ${process.version}, tfjs ${tf.version.tfjs}; ${date}.`,
  `Median of ${repeats} forwards after 2 warm-ups, batch 1, 128 bands, x4; each time includes reading the SR cube back to the host (TF.js data(), PyTorch .cpu()).`,
  '"rel. diff" is max |WebGPU - wasm| / max |wasm| on the same input and weights.',
  '',
  '| upsampler | LR size | params | GMAC | WebGPU ms | WebGPU GMAC/s | PyTorch CUDA ms | WebGPU / PyTorch | rel. diff vs wasm |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.upsampler} | ${r.size} | ${r.params} | ${f(r.gmac, 2)} | ${f(r.webgpu_ms)} | ${f(r.webgpu_gmac_per_s)} | ${f(r.torch_cuda_ms)} | ${typeof r.torch_cuda_ms === 'number' ? f((r.webgpu_ms as number) / r.torch_cuda_ms, 2) : 'n/a'} | ${typeof r.webgpu_vs_wasm_rel === 'number' ? (r.webgpu_vs_wasm_rel as number).toExponential(1) : '-'} |`,
  ),
  '',
  `Tiled, as \`lkca upscale --backend webgpu\` runs it: a ${tiledSize}x${tiledSize}x128 LR scene in ${tiled.tiles} tiles of ${tiled.tileSize.join('x')} (overlap 16), ${f(tiled.ms_median)} ms median (${f(tiled.gmacPerSecond)} effective GMAC/s).`,
  '',
];
writeFileSync(join(outDir, 'inference-gpu.md'), md.join('\n'));
console.log(md.join('\n'));
process.exit(0);
