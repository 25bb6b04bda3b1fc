// Trains the demo weights shipped in assets/models and runs the LKCA-KD experiment of issue 5 on a
// real scene, on the wasm backend:
//   teacher  : 8 LKB blocks, full 'conv' upsampler
//   student  : 4 blocks, low-rank 'svd' upsampler (rank 16), trained alone
//   distilled: the same student, distilled from the teacher (features F + output, cosine decay)
// All three see the same patches (seeded) for the same number of steps, never the held-out
// bottom-right quadrant, which scores them. Usage:
//   npx tsx --conditions=source scripts/train-demo.ts <teacher|student|distilled> [--steps n] [--alpha a] [--resume]
// Writes assets/models/<name>/ and bench/results/distillation.json (merged per phase).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { evaluateScene } from '../src/evaluate.js';
import { loadModel, saveModel, selectRuntime } from '@hsrkit/inference/node';
import { lkcaStudent, lkcaTeacher } from '../src/model.js';
import { trainOnScenes } from '../src/training.js';
import { cropCube } from '@hsrkit/hsi-data/node';
import { DEMO_HOLD_OUT, DEMO_SCALE, readDemoScene } from '../src/demo-scene.js';

const phase = process.argv[2];
if (!['teacher', 'student', 'distilled'].includes(phase)) {
  console.error('usage: train-demo.ts <teacher|student|distilled> [--steps n] [--resume]');
  process.exit(2);
}
const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 1500;
const resume = process.argv.includes('--resume');
const alphaArg = process.argv.indexOf('--alpha');
// Weight of the teacher's feature terms (alpha in docs/ARCHITECTURE.md, "The method as built");
// the run's name records it when not 1.
const alpha = alphaArg > 0 ? Number(process.argv[alphaArg + 1]) : 1;
const runName = phase === 'distilled' && alpha !== 1 ? `${phase}-alpha${alpha}` : phase;
const root = fileURLToPath(new URL('..', import.meta.url));
const modelDir = (name: string) => `${root}assets/models/lkca-${name}-x4`;
const resultsFile = `${root}bench/results/distillation.json`;

const info = await selectRuntime('wasm');
registerWasmTrainingKernels({ replaceSlowKernels: true });
console.log(`backend ${info.backend} on ${info.device}`);
const scene = await readDemoScene();
const bands = scene.bands;
const student =
  phase === 'teacher'
    ? lkcaTeacher({ bands, scale: DEMO_SCALE })
    : lkcaStudent({ bands, scale: DEMO_SCALE });
const teacher = phase === 'distilled' ? await loadModel(modelDir('teacher')) : undefined;
const t0 = Date.now();
const res = await trainOnScenes({
  scenes: [scene],
  scale: DEMO_SCALE,
  student,
  teacher,
  alpha,
  steps,
  batchSize: 8,
  patchSize: 64,
  stride: 16,
  lr: 1e-3,
  seed: 7,
  holdOut: DEMO_HOLD_OUT,
  validateEvery: Math.max(50, Math.floor(steps / 10)),
  checkpointDir: `${root}.tmp/checkpoints-${runName}`,
  checkpointEvery: 100,
  resume,
  onProgress: (e) => {
    if (e.step % 25 === 0 || e.validation)
      console.log(
        `[${phase}] step ${e.step}/${e.totalSteps} loss ${e.losses.total.toFixed(5)} lr ${e.lr.toExponential(2)} D ${e.decay.toFixed(3)} ${e.stepsPerSecond.toFixed(2)} it/s eta ${Math.round(e.etaSeconds)} s${
          e.validation
            ? ` | held-out MPSNR ${e.validation.metrics.mpsnr.toFixed(3)} dB SAM ${e.validation.metrics.sam.toFixed(3)}`
            : ''
        }`,
      );
  },
});
if (res.result.aborted) process.exit(1);
mkdirSync(modelDir(runName), { recursive: true });
await saveModel(res.model, modelDir(runName));
// Score on the whole held-out quadrant, the way `lkca demo` does (tiled, input units).
const quadrant = cropCube('demo', scene, {
  row: DEMO_HOLD_OUT.row,
  col: DEMO_HOLD_OUT.col,
  rows: DEMO_HOLD_OUT.rows,
  cols: DEMO_HOLD_OUT.cols,
});
const ev = await evaluateScene(res.model, quadrant, { scale: DEMO_SCALE });
let results: Record<string, unknown> = {};
try {
  results = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch {}
results[runName] = {
  alpha: teacher ? alpha : null,
  steps: res.result.step,
  resumedFrom: res.result.resumedFrom,
  params: res.model.countParams(),
  minutes: (Date.now() - t0) / 60000,
  validationHistory: res.result.validations.map((v) => ({
    step: v.step,
    mpsnr: v.metrics.mpsnr,
    sam: v.metrics.sam,
  })),
  heldOutQuadrant: { model: ev.metrics, bicubic: ev.bicubicMetrics },
  backend: `${info.backend} (${info.device})`,
  date: new Date().toISOString(),
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `[${phase}] held-out quadrant: model ${ev.metrics.mpsnr.toFixed(3)} dB vs bicubic ${ev.bicubicMetrics.mpsnr.toFixed(3)} dB`,
);
res.result.dispose();
