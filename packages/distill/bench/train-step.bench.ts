// Trainer overhead benchmark: steps/s of train() against a bare optimizer.minimize loop on the
// same model and batches (the baseline), supervised and distilled, on cpu and wasm.
// Run: npm run bench (writes bench/results/train-step.json and .md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { type Batch, l1Loss, train } from '../src/index.js';

const require = createRequire(import.meta.url);
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const WARMUP = 3;
const SHAPE: [number, number, number, number] = [2, 12, 12, 8];

function net(name: string, width: number): tf.LayersModel {
  const x = tf.input({ shape: [null, null, SHAPE[3]] });
  const conv = (filters: number, n: string, seed: number, activation?: 'relu') =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation,
      name: n,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    });
  const f = conv(width, 'feat', 1, 'relu').apply(
    conv(width, 'stem', 2, 'relu').apply(x),
  ) as tf.SymbolicTensor;
  const y = conv(SHAPE[3], 'recon', 3).apply(f) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: tf.layers.add().apply([y, x]) as tf.SymbolicTensor, name });
}

function batchAt(step: number): Batch {
  return tf.tidy(() => {
    const hr = tf.randomUniform(SHAPE, 0, 1, 'float32', step) as tf.Tensor4D;
    return {
      hr,
      lr: tf.add(hr, tf.randomNormal(SHAPE, 0, 0.05, 'float32', step + 1e6)) as tf.Tensor4D,
    };
  });
}

async function timeTrain(teacher: boolean): Promise<number> {
  const student = net('student', 16);
  const t = teacher ? net('teacher', 32) : undefined;
  const stamps: number[] = [];
  const r = await train({
    student,
    teacher: t,
    taps: t ? ['feat'] : undefined,
    optimizer: { type: 'adam' },
    schedule: 1e-3,
    clipNorm: 1,
    data: { batchAt },
    steps: STEPS + WARMUP,
    onProgress: () => {
      stamps.push(performance.now());
    },
  });
  r.dispose();
  student.dispose();
  t?.dispose();
  return STEPS / ((stamps[stamps.length - 1] - stamps[WARMUP - 1]) / 1000);
}

async function timeBaseline(): Promise<number> {
  const student = net('student', 16);
  const opt = tf.train.adam(1e-3);
  let t0 = 0;
  for (let s = 0; s < STEPS + WARMUP; s++) {
    if (s === WARMUP) t0 = performance.now();
    const b = batchAt(s);
    const loss = opt.minimize(
      () => l1Loss(student.apply(b.lr, { training: true }) as tf.Tensor, b.hr),
      true,
    );
    await loss!.data(); // the trainer reads its losses every step too
    tf.dispose([loss!, b.lr, b.hr]);
  }
  const sps = STEPS / ((performance.now() - t0) / 1000);
  opt.dispose();
  student.dispose();
  return sps;
}

const rows: { backend: string; case: string; stepsPerSecond: number }[] = [];
for (const backend of ['cpu', 'wasm']) {
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(
      `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
    );
    registerWasmTrainingKernels();
  }
  await tf.setBackend(backend);
  await tf.ready();
  const base = await timeBaseline();
  console.log(`${backend}: baseline ${base.toFixed(2)} steps/s`);
  const sup = await timeTrain(false);
  console.log(`${backend}: train() supervised ${sup.toFixed(2)} steps/s`);
  const kd = await timeTrain(true);
  console.log(`${backend}: train() distilled ${kd.toFixed(2)} steps/s`);
  rows.push(
    { backend, case: 'baseline optimizer.minimize (student, L1)', stepsPerSecond: base },
    { backend, case: 'train() supervised (L1, clipNorm)', stepsPerSecond: sup },
    { backend, case: 'train() distilled (teacher 32 wide, 1 tap, adapter)', stepsPerSecond: kd },
  );
}

const md = [
  `# @hsrkit/distill trainer benchmark`,
  '',
  `Batch ${SHAPE.join('x')} (NHWC), student 3 convs 8->16->16->8, Adam, ${STEPS} timed steps after ${WARMUP} warm-up, ${new Date().toISOString()}, Node ${process.version}.`,
  '',
  '| backend | case | steps/s | vs baseline |',
  '| --- | --- | ---: | ---: |',
  ...rows.map((r) => {
    const base = rows.find((x) => x.backend === r.backend)!.stepsPerSecond;
    return `| ${r.backend} | ${r.case} | ${r.stepsPerSecond.toFixed(2)} | ${(r.stepsPerSecond / base).toFixed(2)}x |`;
  }),
  '',
].join('\n');
const here = join(dirname(new URL(import.meta.url).pathname), 'results');
mkdirSync(here, { recursive: true });
writeFileSync(
  join(here, 'train-step.json'),
  `${JSON.stringify({ steps: STEPS, shape: SHAPE, rows }, null, 2)}\n`,
);
writeFileSync(join(here, 'train-step.md'), md);
console.log(md);
