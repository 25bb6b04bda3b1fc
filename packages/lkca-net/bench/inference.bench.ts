// LKCA-Net inference speed on TF.js backends against the PyTorch peer (scripts/pytorch_reference.py,
// same spec, same params) on the CPU of the same machine, in the same run. Not a test.
// Writes bench/results/inference.json and .md. PyTorch rows need Debian's python3-torch; without
// it they are reported as missing, not faked.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { lkcaNet, type UpsamplerKind } from '../src/model.js';
import { modelCost } from '../src/model-cost.js';
import { selectRuntime } from '../src/runtime.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repeats = Number(process.env.BENCH_REPEATS ?? 7);
const configs: {
  bands: number;
  scale: number;
  size: number;
  upsampler: UpsamplerKind;
  blocks: number;
}[] = [
  { bands: 128, scale: 4, size: 32, upsampler: 'conv', blocks: 4 },
  { bands: 128, scale: 4, size: 32, upsampler: 'group', blocks: 4 },
  { bands: 128, scale: 4, size: 32, upsampler: 'svd', blocks: 4 },
  { bands: 31, scale: 4, size: 64, upsampler: 'svd', blocks: 4 },
];
const backends = (process.env.BENCH_BACKENDS ?? 'wasm,webgpu').split(',') as (
  | 'wasm'
  | 'webgpu'
  | 'cpu'
)[];

async function timeTf(c: (typeof configs)[number]): Promise<number> {
  const model = lkcaNet(c);
  const x = tf.randomUniform([1, c.size, c.size, c.bands]);
  const run = async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  await run();
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    t.push(performance.now() - t0);
  }
  x.dispose();
  model.dispose();
  return t.sort((a, b) => a - b)[t.length >> 1];
}

function timeTorch(
  c: (typeof configs)[number],
  threads: number,
): { ms_median: number; params: number; torch: string } | null {
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        `${here}../scripts/pytorch_speed.py`,
        String(c.bands),
        String(c.scale),
        String(c.size),
        c.upsampler,
        String(repeats),
        String(threads),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return JSON.parse(out.trim());
  } catch {
    return null;
  }
}

const rows: Record<string, unknown>[] = [];
for (const c of configs) {
  const row: Record<string, unknown> = {
    ...c,
    params: modelCost(lkcaNet(c), [c.size, c.size]).params,
    gmac: modelCost(lkcaNet(c), [c.size, c.size]).macs / 1e9,
  };
  for (const b of backends) {
    const info = await selectRuntime(b);
    row[`${b}_ms`] = await timeTf(c);
    row[`${b}_device`] = info.device;
  }
  for (const threads of [1, cpus().length]) {
    const r = timeTorch(c, threads);
    row[`torch${threads}_ms`] = r?.ms_median ?? null;
    if (r && r.params !== row.params)
      throw new Error(`PyTorch peer has ${r.params} params, TF.js ${row.params}`);
    row.torch = r?.torch ?? 'missing (apt-get install python3-torch)';
  }
  console.log(JSON.stringify(row));
  rows.push(row);
}
const n = cpus().length;
const md = [
  `# LKCA-Net inference: TF.js backends vs the PyTorch peer (CPU), same machine, same run`,
  '',
  `${cpus()[0].model} x${n}, Node ${process.version}, tfjs ${tf.version.tfjs}, ${new Date().toISOString()}. Median of ${repeats} runs after a warm-up; batch 1.`,
  'webgpu here is dawn over SwiftShader (Vulkan on the CPU), not a GPU.',
  '',
  `| bands | scale | LR size | upsampler | params | GMAC | ${backends.map((b) => `${b} ms`).join(' | ')} | PyTorch 1 thread ms | PyTorch ${n} threads ms | wasm / PyTorch ${n}t |`,
  `|---:|---:|---:|---|---:|---:|${backends.map(() => '---:').join('|')}|---:|---:|---:|`,
  ...rows.map((r) => {
    const t = r[`torch${n}_ms`] as number | null;
    const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : 'n/a');
    return `| ${r.bands} | ${r.scale} | ${r.size} | ${r.upsampler} | ${r.params} | ${(r.gmac as number).toFixed(3)} | ${backends.map((b) => fmt(r[`${b}_ms`])).join(' | ')} | ${fmt(r.torch1_ms)} | ${fmt(t)} | ${t ? ((r.wasm_ms as number) / t).toFixed(2) : 'n/a'} |`;
  }),
  '',
];
writeFileSync(
  `${here}results/inference.json`,
  `${JSON.stringify({ date: new Date().toISOString(), repeats, rows }, null, 2)}\n`,
);
writeFileSync(`${here}results/inference.md`, md.join('\n'));
console.log(md.join('\n'));
