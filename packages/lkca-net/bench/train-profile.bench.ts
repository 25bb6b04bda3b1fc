// Where a training step of `lkca train`'s path spends its time on wasm: every registered wasm
// kernel (as registered after the warm-up steps) is wrapped with a timer (kernels are synchronous, so the wrapper measures exactly that
// call, including any kernels it calls itself), over the steps after the warm-up ones.
// Run: npx tsx --conditions=source bench/train-profile.bench.ts [bands] [upsampler] [steps]
// Prints a table (kernel, calls/step, ms/step) and the time outside kernels (JS, data, tape), and
// writes it to bench/results/train-profile-<bands>-<upsampler>.md with the share of the sub-pixel
// tail: the upsampler conv (its forward and both gradients) and the PixelShuffle transposes (what a
// fused tail op could save: issue 14).
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { lkcaNet, type UpsamplerKind } from '../src/model.js';
import { trainOnScenes } from '../src/training.js';
import { startWasmForBench } from './wasm-runtime.js';

const bands = Number(process.argv[2] ?? 31);
const upsampler = (process.argv[3] ?? 'conv') as UpsamplerKind;
const steps = Number(process.argv[4] ?? 4);
const WARMUP = 2;

console.log(await startWasmForBench());
let on = false;
const stats = new Map<string, { calls: number; ms: number; self: number }>();
const stack: number[] = [];
/** Wraps every wasm kernel registered now (after the trainer registered its own) with the timer. */
function wrapKernels() {
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (!on) return inner(args);
        const shapes = Object.values(args.inputs as Record<string, tf.TensorInfo>)
          .map((t) => `[${t?.shape}]`)
          .join(' ');
        const key = `${k.kernelName} ${shapes}`;
        stack.push(0);
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const dt = performance.now() - t0;
          const child = stack.pop()!;
          if (stack.length) stack[stack.length - 1] += dt;
          const s = stats.get(key) ?? { calls: 0, ms: 0, self: 0 };
          s.calls++;
          s.ms += dt;
          s.self += dt - child;
          stats.set(key, s);
        }
      },
    });
  }
}

const data = new Float32Array(256 * 256 * bands);
for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.4 * Math.sin(i * 0.37);
let t0 = 0;
let t1 = 0;
await trainOnScenes({
  scenes: [{ rows: 256, cols: 256, bands, interleave: 'bip', data }],
  scale: 4,
  student: lkcaNet({ bands, scale: 4, upsampler }),
  steps: WARMUP + steps,
  batchSize: 8,
  patchSize: 64,
  onProgress: (e) => {
    if (e.step === WARMUP) {
      wrapKernels();
      on = true;
      t0 = performance.now();
    }
    if (e.step === WARMUP + steps) {
      on = false;
      t1 = performance.now();
    }
  },
});
const wall = (t1 - t0) / steps;
let inKernels = 0;
const rows = [...stats.entries()].map(([key, s]) => {
  inKernels += s.self / steps;
  return { key, calls: s.calls / steps, ms: s.ms / steps, self: s.self / steps };
});
rows.sort((a, b) => b.self - a.self);
console.log(
  `B=${bands} ${upsampler}: ${wall.toFixed(1)} ms/step, ${inKernels.toFixed(1)} ms in kernels (self), ${(wall - inKernels).toFixed(1)} ms outside`,
);
const byName = new Map<string, { calls: number; self: number }>();
for (const r of rows) {
  const name = r.key.split(' ')[0];
  const b = byName.get(name) ?? { calls: 0, self: 0 };
  b.calls += r.calls;
  b.self += r.self;
  byName.set(name, b);
}
const byKernel = [...byName.entries()].sort((a, b) => b[1].self - a[1].self).slice(0, 25);
console.log('\nby kernel:');
for (const [name, b] of byKernel)
  console.log(`${b.self.toFixed(2).padStart(8)} ms  ${String(b.calls).padStart(5)} calls  ${name}`);
console.log('\nby kernel and shapes:');
for (const r of rows.slice(0, 40))
  console.log(
    `${r.self.toFixed(2).padStart(8)} ms (incl ${r.ms.toFixed(2).padStart(7)})  ${String(r.calls).padStart(4)}x  ${r.key}`,
  );

// The sub-pixel tail: the upsampler conv has B*16 output channels on the 16 x 16 LR patches (its
// forward, input and filter gradients); the PixelShuffle's transposes move a tensor of the HR
// patch batch's size (8 x 64 x 64 x B values) between the two layouts.
const tailChannels = `${bands * 16}]`;
const hrSize = 8 * 64 * 64 * bands;
const sizeOf = (shape: string) =>
  shape
    .replace(/[[\]]/g, '')
    .split(',')
    .reduce((p, v) => p * Number(v), 1);
let tailConv = 0;
let shuffle = 0;
for (const r of rows) {
  const [name, ...shapes] = r.key.split(' ');
  if (/^(FusedConv2D|Conv2D|Conv2DBackpropInput|Conv2DBackpropFilter)$/.test(name)) {
    if (shapes.some((sh) => sh.endsWith(`,${tailChannels}`))) tailConv += r.self;
  } else if (name === 'Transpose' && shapes[0] && sizeOf(shapes[0]) === hrSize) shuffle += r.self;
}
const pct = (v: number) => `${((100 * v) / wall).toFixed(1)} %`;
const md = [
  `# Where a training step of \`lkca train\`'s path spends its time: B=${bands}, \`${upsampler}\``,
  '',
  `Written by \`bench/train-profile.bench.ts ${bands} ${upsampler} ${steps}\` (${new Date().toISOString()}; 1-minute load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores): lkcaNet x4 (4 LKB, C = 64), batch 8, 64 x 64 HR, wasm with the trainer's default kernels; every kernel wrapped with a timer over ${steps} steps after ${WARMUP} warm-up steps.`,
  '',
  `Step: ${wall.toFixed(1)} ms; in kernels (self time) ${inKernels.toFixed(1)} ms; outside kernels (JS, data, tape) ${(wall - inKernels).toFixed(1)} ms.`,
  '',
  `Sub-pixel tail: the upsampler conv (forward + input and filter gradients) ${tailConv.toFixed(1)} ms (${pct(tailConv)} of the step); the PixelShuffle transposes (forward and gradient) ${shuffle.toFixed(1)} ms (${pct(shuffle)}), the most a fused tail op could remove beyond the conv itself, which already runs in our kernels.`,
  '',
  '| kernel | calls / step | ms / step (self) |',
  '|---|---:|---:|',
  ...byKernel.map(([name, b]) => `| ${name} | ${b.calls} | ${b.self.toFixed(2)} |`),
  '',
];
const out = new URL(`./results/train-profile-${bands}-${upsampler}.md`, import.meta.url);
writeFileSync(out, md.join('\n'));
console.log(`\nwrote ${out.pathname}`);
