// Trains the any-band x4 model (src/any-band/README.md): one LKCA-Net core shared by overlapping
// groups of G neighbouring bands, on random band groups of real scenes of several sensors, with
// L1 + a spectral term, Adam, warm-up then cosine LR over a wall-clock (or step) budget, validation
// on whole crops not trained on, the best checkpoint kept, and --resume to continue a run.
//   npx tsx --conditions=source packages/lkca-net/scripts/train-any-band.ts \
//     --minutes 90 --ckpt /path/to/ckpt [--resume] [--seed 1] [--batch 16] [--patch 16]
// Writes <ckpt>/last (model + optimizer + state, every few minutes) and <ckpt>/best (the model
// with the best validation score), each a folder that loadAnyBandModel reads.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { AnyBandSR } from '../src/any-band/any-band-model.js';
import type { ResidualMode } from '../src/any-band/core-forward.js';
import {
  loadAnyBandModel,
  loadAnyBandCheckpoint,
  saveAnyBandCheckpoint,
  saveAnyBandModel,
} from '../src/any-band/node.js';
import { copyMatchingCoreWeights } from '../src/any-band/rescale-init.js';
import { trainAnyBand } from '../src/any-band/train.js';
import { type AnyBandTrainScene, prepareAnyBandScene } from '../src/any-band/patch-sampler.js';
import { ANY_BAND_SCENES, dataRoot, readScene } from './any-band-scenes.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '90' },
    steps: { type: 'string' },
    ckpt: { type: 'string' },
    resume: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '16' },
    patch: { type: 'string', default: '16' },
    group: { type: 'string', default: '8' },
    stride: { type: 'string' },
    channels: { type: 'string', default: '64' },
    blocks: { type: 'string', default: '4' },
    lr: { type: 'string', default: '1e-3' },
    'lr-min': { type: 'string', default: '1e-5' },
    warmup: { type: 'string', default: '100' },
    'spectral-gradient': { type: 'string', default: '1' },
    sam: { type: 'string', default: '4' },
    'clip-norm': { type: 'string', default: '1' },
    'validate-minutes': { type: 'string', default: '6' },
    'checkpoint-minutes': { type: 'string', default: '4' },
    'log-every': { type: 'string', default: '25' },
    residual: { type: 'string', default: 'relative' },
    softening: { type: 'string', default: '0.1' },
    'band-steps': { type: 'string', default: '1:0.5,2:0.3,3:0.2' },
    scale: { type: 'string', default: '4' },
    // Start from another any-band model's weights where the shapes match (e.g. the x4 model's body
    // for an x2 model; the upsampler, whose width depends on the scale, starts fresh).
    'init-from': { type: 'string' },
  },
});
const num = (k: keyof typeof args) => Number(args[k]);
const SCALE = Number(args.scale);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const ckptDir = resolve(args.ckpt ?? join(root, 'packages/lkca-net/.tmp/any-band-ckpt'));
const G = num('group');
const hp = {
  seed: num('seed'),
  batch: num('batch'),
  patch: num('patch'),
  groupSize: G,
  stride: args.stride ? Number(args.stride) : Math.max(1, G / 2),
  channels: num('channels'),
  blocks: num('blocks'),
  lr: num('lr'),
  lrMin: num('lr-min'),
  warmup: num('warmup'),
  spectralGradient: num('spectral-gradient'),
  sam: num('sam'),
  clipNorm: num('clip-norm'),
  bandSteps: args['band-steps'],
  residual: args.residual as ResidualMode,
  relativeSoftening: Number(args.softening),
  minutes: num('minutes'),
  initFrom: args['init-from'] ?? null,
  steps: args.steps ? Number(args.steps) : Number.POSITIVE_INFINITY,
};
for (const [k, v] of Object.entries(hp))
  if (
    typeof v !== 'string' &&
    v !== null &&
    !(typeof v === 'number' && (Number.isFinite(v) || v === Number.POSITIVE_INFINITY))
  )
    throw new Error(`train-any-band: --${k} is not a number`);

// wasm backend from its own dist folder (Node cannot fetch the .wasm by URL).
const req = createRequire(import.meta.url);
wasm.setWasmPaths(
  `${join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
);
if (!(await tf.setBackend('wasm')))
  throw new Error('train-any-band: the wasm backend did not start');
registerWasmTrainingKernels({ replaceSlowKernels: true });

// --- data: training scenes, and validation crops of trained sensors (never the held-out ones) ---
const VALIDATION_SCENE = 'abu-beach-3';
/** MUUFL: HR rows from here on are validation, never trained on. */
const MUUFL_VALIDATION_ROW = 68;
const dataDir = dataRoot(root);
const train: AnyBandTrainScene[] = [];
const validation: { id: string; scene: AnyBandTrainScene }[] = [];
for (const spec of ANY_BAND_SCENES) {
  if (spec.role !== 'train') continue;
  const cube = await readScene(spec, dataDir);
  // Small non-AVIRIS sensors get 3x their area's share so the AVIRIS crops do not drown them.
  const weight = spec.sensor === 'AVIRIS' ? 1 : 3;
  if (spec.id === VALIDATION_SCENE) {
    validation.push({ id: spec.id, scene: prepareAnyBandScene(spec.id, spec.sensor, cube, SCALE) });
    continue;
  }
  const sc = prepareAnyBandScene(spec.id, spec.sensor, cube, SCALE, weight);
  if (spec.id === 'muufl') {
    sc.lrRowLimit = MUUFL_VALIDATION_ROW / SCALE;
    const B = sc.bands;
    const rows = sc.rows - MUUFL_VALIDATION_ROW;
    const part = {
      rows,
      cols: sc.cols,
      bands: B,
      interleave: 'bip' as const,
      data: sc.hr.slice(MUUFL_VALIDATION_ROW * sc.cols * B),
    };
    validation.push({
      id: 'muufl-bottom',
      scene: prepareAnyBandScene('muufl-bottom', spec.sensor, part, SCALE),
    });
  }
  if (sc.lrRowLimit < hp.patch || sc.cols / SCALE < hp.patch) {
    console.log(
      `skip ${spec.id}: ${sc.rows} x ${sc.cols} is smaller than a ${hp.patch * SCALE}-pixel patch`,
    );
    continue;
  }
  train.push(sc);
}
console.log(
  `train: ${train.map((s) => `${s.id} ${s.rows}x${s.cols}x${s.bands}`).join(', ')}\nvalidation: ${validation
    .map((v) => `${v.id} ${v.scene.rows}x${v.scene.cols}x${v.scene.bands}`)
    .join(', ')}`,
);

// --- model (fresh, or the checkpoint's), then the package's trainer ---
const lastDir = join(ckptDir, 'last');
await mkdir(ckptDir, { recursive: true });
const resumed =
  args.resume && existsSync(join(lastDir, 'state.json'))
    ? await loadAnyBandCheckpoint(lastDir)
    : null;
const model =
  resumed?.model ??
  AnyBandSR.create({
    scale: SCALE,
    groupSize: G,
    stride: hp.stride,
    core: { channels: hp.channels, blocks: hp.blocks, upsampler: 'conv' },
    seed: hp.seed,
    residual: hp.residual,
    relativeSoftening: hp.relativeSoftening,
    name: `lkca-any-band-x${SCALE}`,
  });
if (!resumed && args['init-from']) {
  const donor = await loadAnyBandModel(resolve(args['init-from']));
  const copied = copyMatchingCoreWeights(donor, model);
  console.log(
    `init from ${args['init-from']}: ${copied} of ${model.core.weights.length} weights copied`,
  );
  donor.dispose();
}
if (resumed)
  console.log(
    `resumed at step ${resumed.state.step} (${(resumed.state.seconds / 60).toFixed(1)} min)`,
  );
console.log(`core params ${model.core.countParams()} | hp ${JSON.stringify(hp)}`);
const bandSteps = (args['band-steps'] as string)
  .split(',')
  .map((p) => p.split(':').map(Number) as [number, number]);
const logEvery = num('log-every');
const res = await trainAnyBand({
  model,
  scenes: train,
  validation: validation.map((v) => ({ ...v.scene, id: v.id })),
  minutes: hp.minutes,
  steps: Number.isFinite(hp.steps) ? hp.steps : undefined,
  patch: hp.patch,
  batch: hp.batch,
  seed: hp.seed,
  lr: hp.lr,
  lrMin: hp.lrMin,
  warmup: hp.warmup,
  loss: { sam: hp.sam, spectralGradient: hp.spectralGradient },
  clipNorm: hp.clipNorm,
  bandSteps,
  validateMinutes: num('validate-minutes'),
  checkpointMinutes: num('checkpoint-minutes'),
  restoreBest: false,
  resume: resumed ? { state: resumed.state, optimizer: resumed.optimizer } : undefined,
  checkpoint: (snap) => saveAnyBandCheckpoint(lastDir, snap, { hp }),
  onBest: (m, rec) =>
    saveAnyBandModel(m, join(ckptDir, 'best'), {
      training: { step: rec.step, validation: rec.scenes, score: rec.score, hp },
    }),
  onProgress: (e) => {
    if (e.validation) {
      const text = e.validation.scenes
        .map(
          (s) =>
            `${s.id} ${s.mpsnr.toFixed(3)} dB (bic ${s.bicubicMpsnr.toFixed(3)}) SAM ${s.sam.toFixed(3)} (bic ${s.bicubicSam.toFixed(3)})`,
        )
        .join(' | ');
      console.log(
        `[val] step ${e.step} score ${e.validation.score.toFixed(4)}${e.best ? ' *best*' : ''} | ${text}`,
      );
    } else if (e.step % logEvery === 0)
      console.log(
        `step ${e.step} loss ${e.loss.toFixed(5)} lr ${e.lr.toExponential(2)} ${e.stepsPerSecond.toFixed(2)} it/s ${(e.fraction * 100).toFixed(1)}% of the budget, tensors ${tf.memory().numTensors}`,
      );
  },
});
for (const t of resumed?.optimizer ?? []) t.tensor.dispose();
console.log(
  `done: ${res.state.step} steps, best score ${res.best?.score.toFixed(4)} at step ${res.best?.step}; ${ckptDir}/best`,
);
