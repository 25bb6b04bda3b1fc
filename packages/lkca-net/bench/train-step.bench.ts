// Training-step benchmark: one step (forward + backward + Adam update) of the LKCA student on the
// wasm backend, with registerWasmTrainingKernels(), against the cpu backend in the same run.
// Run: npx tsx --conditions=source bench/train-step.bench.ts   (from packages/lkca-net)
// Writes bench/results/train-step.json and .md.
import { renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerWasmTrainingKernels, restoreStockWasmKernels } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { lkcaNet, type UpsamplerKind } from '../src/model.js';
import { selectRuntime } from '../src/runtime.js';

const BATCH = 8;
const LR = 16;
const SCALE = 4;
const BLOCKS = 4;
/** A cpu step estimated above this at batch 8 is measured at batch 1 and scaled (cpu cost is linear in batch). */
const CPU_DIRECT_LIMIT_MS = 120_000;
const WASM_STEPS = 5;

type Engine = 'cpu' | 'wasm' | 'wasm-fast';
const ENGINE_LABEL: Record<Engine, string> = {
  cpu: 'cpu (tfjs-backend-cpu)',
  wasm: 'wasm + registerWasmTrainingKernels()',
  'wasm-fast': 'wasm + registerWasmTrainingKernels({ replaceSlowKernels: true })',
};

interface Measurement {
  bands: number;
  upsampler: UpsamplerKind;
  params: number;
  engine: Engine;
  /** Batch the timed steps ran at. */
  measuredBatch: number;
  /** Milliseconds per timed step, at measuredBatch. */
  stepsMs: number[];
  /** Median step time at batch 8 (scaled by 8/measuredBatch when measured at batch 1). */
  stepMsAtBatch8: number;
  scaled: boolean;
  firstLoss: number;
  lastLoss: number;
  /** cpu only: the batch-1 probe step, in ms. */
  cpuBatch1Ms?: number;
}

/** Deterministic inputs in [0, 1): an LR cube and its HR target. */
function batchOf(batch: number, bands: number): { lr: tf.Tensor4D; hr: tf.Tensor4D } {
  return tf.tidy(() => ({
    lr: tf.randomUniform([batch, LR, LR, bands], 0, 1, 'float32', 1) as tf.Tensor4D,
    hr: tf.randomUniform([batch, LR * SCALE, LR * SCALE, bands], 0, 1, 'float32', 2) as tf.Tensor4D,
  }));
}

async function useEngine(engine: Engine): Promise<void> {
  await selectRuntime(engine === 'cpu' ? 'cpu' : 'wasm');
  if (engine === 'cpu') return;
  // Stand-ins from an earlier 'wasm-fast' run stay registered until put back.
  restoreStockWasmKernels();
  registerWasmTrainingKernels({ replaceSlowKernels: engine === 'wasm-fast' });
}

/** Builds the model on the current backend and times `steps` Adam steps after `warmup` ones. */
async function timeSteps(
  bands: number,
  upsampler: UpsamplerKind,
  batch: number,
  warmup: number,
  steps: number,
) {
  const model = lkcaNet({ bands, scale: SCALE, blocks: BLOCKS, upsampler });
  const params = model.countParams();
  const { lr, hr } = batchOf(batch, bands);
  const optimizer = tf.train.adam(1e-4);
  const step = async (): Promise<number> => {
    const loss = optimizer.minimize(
      () =>
        tf.mean(
          tf.abs(tf.sub(model.apply(lr, { training: true }) as tf.Tensor4D, hr)),
        ) as tf.Scalar,
      true,
    ) as tf.Scalar;
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  };
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push(await step());
  const stepsMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    losses.push(await step());
    stepsMs.push(performance.now() - t0);
  }
  optimizer.dispose();
  model.dispose();
  tf.dispose([lr, hr]);
  return { params, stepsMs, firstLoss: losses[0], lastLoss: losses[losses.length - 1] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(
  engine: Engine,
  bands: number,
  upsampler: UpsamplerKind,
): Promise<Measurement> {
  await useEngine(engine);
  let batch = BATCH;
  let run: Awaited<ReturnType<typeof timeSteps>>;
  let cpuBatch1Ms: number | undefined;
  if (engine === 'cpu') {
    // One untimed-warmup-free step at batch 1 first: decides whether batch 8 fits the time limit.
    const probe = await timeSteps(bands, upsampler, 1, 0, 1);
    cpuBatch1Ms = Math.round(probe.stepsMs[0]);
    if (probe.stepsMs[0] * BATCH <= CPU_DIRECT_LIMIT_MS)
      run = await timeSteps(bands, upsampler, BATCH, 0, 1);
    else {
      run = probe;
      batch = 1;
    }
  } else {
    run = await timeSteps(bands, upsampler, BATCH, 1, WASM_STEPS);
  }
  const m: Measurement = {
    bands,
    upsampler,
    params: run.params,
    engine,
    measuredBatch: batch,
    stepsMs: run.stepsMs.map((t) => Math.round(t * 10) / 10),
    stepMsAtBatch8: Math.round(median(run.stepsMs) * (BATCH / batch) * 10) / 10,
    scaled: batch !== BATCH,
    firstLoss: run.firstLoss,
    lastLoss: run.lastLoss,
    cpuBatch1Ms,
  };
  console.log(
    `B=${bands} ${upsampler.padEnd(4)} ${engine.padEnd(9)} ${m.stepMsAtBatch8.toFixed(1).padStart(10)} ms/step at batch 8` +
      `${m.scaled ? ` (measured at batch 1: ${m.stepsMs[0].toFixed(0)} ms, x8)` : ''}  loss ${m.firstLoss.toFixed(4)} -> ${m.lastLoss.toFixed(4)}`,
  );
  return m;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const results: Measurement[] = [];
  for (const bands of [31, 128])
    for (const upsampler of ['svd', 'conv'] as UpsamplerKind[])
      for (const engine of ['wasm', 'wasm-fast', 'cpu'] as Engine[])
        results.push(await measure(engine, bands, upsampler));

  // The batch-1-and-scale shortcut assumes cpu step time grows linearly with the batch: check it.
  await useEngine('cpu');
  const cpuBatch1 = results.find(
    (r) => r.engine === 'cpu' && r.bands === 31 && r.upsampler === 'svd',
  )!;
  const batch2 = await timeSteps(31, 'svd', 2, 0, 1);
  const cpuLinearity = {
    config: 'bands 31, svd',
    batch1Ms: cpuBatch1.cpuBatch1Ms,
    batch2Ms: Math.round(batch2.stepsMs[0]),
    batch8Ms: cpuBatch1.scaled ? null : cpuBatch1.stepMsAtBatch8,
  };
  console.log(
    `cpu linearity check (B=31 svd): batch 1 ${cpuLinearity.batch1Ms} ms, batch 2 ${cpuLinearity.batch2Ms} ms, batch 8 ${cpuLinearity.batch8Ms ?? 'not run'} ms`,
  );

  const rows = [];
  for (const bands of [31, 128])
    for (const upsampler of ['svd', 'conv'] as UpsamplerKind[]) {
      const of = (e: Engine) =>
        results.find((r) => r.bands === bands && r.upsampler === upsampler && r.engine === e)!;
      const [cpu, wasm, fast] = [of('cpu'), of('wasm'), of('wasm-fast')];
      rows.push({
        bands,
        upsampler,
        params: cpu.params,
        cpuMs: cpu.stepMsAtBatch8,
        cpuScaledFromBatch1: cpu.scaled,
        wasmMs: wasm.stepMsAtBatch8,
        wasmFastMs: fast.stepMsAtBatch8,
        speedupWasm: Math.round((cpu.stepMsAtBatch8 / wasm.stepMsAtBatch8) * 10) / 10,
        speedupWasmFast: Math.round((cpu.stepMsAtBatch8 / fast.stepMsAtBatch8) * 10) / 10,
      });
    }
  const setup = {
    started,
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    tfjs: tf.version.tfjs,
    model: `lkcaNet({bands, scale: ${SCALE}, blocks: ${BLOCKS}, upsampler})`,
    batch: BATCH,
    lrPatch: [LR, LR],
    hrPatch: [LR * SCALE, LR * SCALE],
    loss: 'L1',
    optimizer: 'Adam(1e-4)',
    wasmTimedSteps: WASM_STEPS,
    wasmWarmupSteps: 1,
    engines: ENGINE_LABEL,
    cpuLinearity,
    note: `cpu steps estimated above ${CPU_DIRECT_LIMIT_MS / 1000} s at batch ${BATCH} are measured at batch 1 and multiplied by ${BATCH}`,
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  writeAtomic(
    join(dir, 'train-step.json'),
    `${JSON.stringify({ setup, summary: rows, measurements: results }, null, 2)}\n`,
  );
  const md = [
    '# LKCA-Net training step: wasm vs cpu',
    '',
    `One Adam step (forward + backward + update, L1 loss) of \`${setup.model}\`, batch ${BATCH},`,
    `${LR}x${LR} LR -> ${LR * SCALE}x${LR * SCALE} HR patches. ${setup.cpu}, Node ${setup.node}, tfjs ${setup.tfjs}, ${started}.`,
    `wasm: median of ${WASM_STEPS} steps after 1 warm-up step. ${setup.note}`,
    `(check, bands 31 svd: cpu batch 1 ${cpuLinearity.batch1Ms} ms, batch 2 ${cpuLinearity.batch2Ms} ms, batch 8 ${cpuLinearity.batch8Ms ?? 'not run'} ms).`,
    'The machine is shared with other jobs: timings carry their noise; wasm and cpu run in the same process, one after the other.',
    'Weights are freshly initialised per run (random), inputs are seeded uniform noise: the numbers time the step, not the fit.',
    '',
    '| bands | upsampler | params | cpu ms/step | wasm ms/step | speedup | wasm, replaceSlowKernels ms/step | speedup |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.bands} | ${r.upsampler} | ${r.params} | ${r.cpuMs.toFixed(0)}${r.cpuScaledFromBatch1 ? ' (batch 1 x8)' : ''} | ${r.wasmMs.toFixed(0)} | ${r.speedupWasm}x | ${r.wasmFastMs.toFixed(0)} | ${r.speedupWasmFast}x |`,
    ),
    '',
  ].join('\n');
  writeAtomic(join(dir, 'train-step.md'), md);
  console.log(`\n${md}`);
}

await main();
