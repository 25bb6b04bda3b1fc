// Where a training step of `lkca train`'s path spends its time on wasm: every registered wasm
// kernel (as registered after the warm-up steps) is wrapped with a timer (kernels are synchronous, so the wrapper measures exactly that
// call, including any kernels it calls itself), over the steps after the warm-up ones.
// Run: npx tsx --conditions=source bench/train-profile.bench.ts [bands] [upsampler] [steps]
// Prints a table (kernel, calls/step, ms/step) and the time outside kernels (JS, data, tape).
import * as tf from '@tensorflow/tfjs';
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
console.log('\nby kernel:');
for (const [name, b] of [...byName.entries()].sort((a, b) => b[1].self - a[1].self).slice(0, 25))
  console.log(`${b.self.toFixed(2).padStart(8)} ms  ${String(b.calls).padStart(5)} calls  ${name}`);
console.log('\nby kernel and shapes:');
for (const r of rows.slice(0, 40))
  console.log(
    `${r.self.toFixed(2).padStart(8)} ms (incl ${r.ms.toFixed(2).padStart(7)})  ${String(r.calls).padStart(4)}x  ${r.key}`,
  );
