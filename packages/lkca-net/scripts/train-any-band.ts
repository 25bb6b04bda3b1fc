// Trains the any-band x4 model (src/any-band/README.md): one LKCA-Net core shared by overlapping
// groups of G neighbouring bands, on random band groups of real scenes of several sensors, with
// L1 + a spectral term, Adam, warm-up then cosine LR over a wall-clock (or step) budget, validation
// on whole crops not trained on, the best checkpoint kept, and --resume to continue a run.
//   npx tsx --conditions=source packages/lkca-net/scripts/train-any-band.ts \
//     --minutes 90 --ckpt /path/to/ckpt [--resume] [--seed 1] [--batch 16] [--patch 16]
// Writes <ckpt>/last (model + optimizer + state, every few minutes) and <ckpt>/best (the model
// with the best validation score), each a folder that loadAnyBandModel reads.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { bicubicUpsample, computeMetrics } from '@hsrkit/hsi-data/node';
import { AnyBandSR } from '../src/any-band/any-band-model.js';
import { coreForward, type ResidualMode } from '../src/any-band/core-forward.js';
import { loadAnyBandModel, saveAnyBandModel } from '../src/any-band/io-node.js';
import { prepareScene, sampleBatch, type TrainScene } from './any-band-data.js';
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
  },
});
const num = (k: keyof typeof args) => Number(args[k]);
const SCALE = 4;
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
  steps: args.steps ? Number(args.steps) : Number.POSITIVE_INFINITY,
};
for (const [k, v] of Object.entries(hp))
  if (
    typeof v !== 'string' &&
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
const train: TrainScene[] = [];
const validation: { id: string; scene: TrainScene }[] = [];
for (const spec of ANY_BAND_SCENES) {
  if (spec.role !== 'train') continue;
  const cube = await readScene(spec, dataDir);
  // Small non-AVIRIS sensors get 3x their area's share so the AVIRIS crops do not drown them.
  const weight = spec.sensor === 'AVIRIS' ? 1 : 3;
  if (spec.id === VALIDATION_SCENE) {
    validation.push({ id: spec.id, scene: prepareScene(spec.id, spec.sensor, cube, SCALE) });
    continue;
  }
  const sc = prepareScene(spec.id, spec.sensor, cube, SCALE, weight);
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
      scene: prepareScene('muufl-bottom', spec.sensor, part, SCALE),
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

// --- model, optimizer, state ---
interface RunState {
  step: number;
  trainSeconds: number;
  best: { score: number; step: number; metrics: unknown } | null;
  validations: unknown[];
  hp: typeof hp;
}
let model: AnyBandSR;
let state: RunState = { step: 0, trainSeconds: 0, best: null, validations: [], hp };
const optimizer = tf.train.adam(hp.lr);
const lastDir = join(ckptDir, 'last');
if (args.resume) {
  try {
    state = JSON.parse(await readFile(join(lastDir, 'state.json'), 'utf8'));
  } catch {
    state = { step: 0, trainSeconds: 0, best: null, validations: [], hp };
  }
}
if (args.resume && state.step > 0) {
  model = await loadAnyBandModel(lastDir);
  const manifest = JSON.parse(await readFile(join(lastDir, 'optimizer.json'), 'utf8')) as {
    name: string;
    shape: number[];
  }[];
  const buf = await readFile(join(lastDir, 'optimizer.bin'));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  // Adam keeps its slots by position: the core's trainable weights come back in the same order.
  let off = 0;
  const named = manifest.map((m) => {
    const n = m.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(off, off + n), m.shape);
    off += n;
    return { name: m.name, tensor: t };
  });
  await optimizer.setWeights(named);
  for (const t of named) t.tensor.dispose();
  console.log(
    `resumed at step ${state.step} (${(state.trainSeconds / 60).toFixed(1)} min trained)`,
  );
} else {
  model = AnyBandSR.create({
    scale: SCALE,
    groupSize: G,
    stride: hp.stride,
    core: { channels: hp.channels, blocks: hp.blocks, upsampler: 'conv' },
    seed: hp.seed,
    residual: hp.residual,
    relativeSoftening: hp.relativeSoftening,
    name: 'lkca-any-band-x4',
  });
}
state.hp = hp;
console.log(`core params ${model.core.countParams()} | hp ${JSON.stringify(hp)}`);

// --- loss ---
function lossOf(pred: tf.Tensor4D, y: tf.Tensor4D, shift: tf.Tensor4D): tf.Scalar {
  let loss = tf.mean(tf.abs(tf.sub(pred, y))) as tf.Scalar;
  if (hp.spectralGradient > 0) {
    const d = (t: tf.Tensor4D) => {
      const [n, h, w, g] = t.shape;
      return tf.sub(
        tf.slice(t, [0, 0, 0, 1], [n, h, w, g - 1]),
        tf.slice(t, [0, 0, 0, 0], [n, h, w, g - 1]),
      );
    };
    loss = tf.add(
      loss,
      tf.mul(hp.spectralGradient, tf.mean(tf.abs(tf.sub(d(pred), d(y))))),
    ) as tf.Scalar;
  }
  if (hp.sam > 0) {
    // Spectral angle between predicted and true group spectra in the input's units (up to the
    // group's scale), as the chord |a/|a| - b/|b|| = 2 sin(angle/2): smooth where acos is not.
    const unit = (t: tf.Tensor) =>
      tf.div(t, tf.sqrt(tf.add(tf.sum(tf.square(t), -1, true), 1e-12)));
    const chord = tf.sqrt(
      tf.add(
        tf.sum(tf.square(tf.sub(unit(tf.add(pred, shift)), unit(tf.add(y, shift)))), -1),
        1e-12,
      ),
    );
    loss = tf.add(loss, tf.mul(hp.sam, tf.mean(chord))) as tf.Scalar;
  }
  return loss;
}

function lrAt(step: number, fraction: number): number {
  if (step < hp.warmup) return (hp.lr * (step + 1)) / hp.warmup;
  const f = Math.min(1, Math.max(0, fraction));
  return hp.lrMin + 0.5 * (hp.lr - hp.lrMin) * (1 + Math.cos(Math.PI * f));
}

// --- validation: the whole pipeline (grouping, normalisation, fusion) on whole crops ---
interface ValScore {
  id: string;
  mpsnr: number;
  sam: number;
  bicubicMpsnr: number;
  bicubicSam: number;
}
const bicubicCache = new Map<string, { mpsnr: number; sam: number }>();
async function scoreScene(id: string, sc: TrainScene): Promise<ValScore> {
  const { rows, cols, bands } = sc;
  let peak = 0;
  for (const v of sc.hr) if (v > peak) peak = v;
  const scaled = (t: tf.Tensor3D) => tf.div(t, peak) as tf.Tensor3D;
  const gt = tf.tidy(() => scaled(tf.tensor3d(sc.hr, [rows, cols, bands])));
  const lr = tf.tensor3d(sc.lr, [rows / SCALE, cols / SCALE, bands]);
  try {
    let bic = bicubicCache.get(id);
    if (!bic) {
      const up = tf.tidy(() => scaled(bicubicUpsample(lr, SCALE)));
      const m = await computeMetrics(gt, up, { preset: 'sspsr', scale: SCALE });
      up.dispose();
      bic = { mpsnr: m.mpsnr, sam: m.sam };
      bicubicCache.set(id, bic);
    }
    const sr = tf.tidy(() => scaled(model.superResolveTensor(lr, { moments: sc.lrMoments })));
    const m = await computeMetrics(gt, sr, { preset: 'sspsr', scale: SCALE });
    sr.dispose();
    return { id, mpsnr: m.mpsnr, sam: m.sam, bicubicMpsnr: bic.mpsnr, bicubicSam: bic.sam };
  } finally {
    gt.dispose();
    lr.dispose();
  }
}
/** Mean dB gained over bicubic minus mean degrees of SAM lost: both must improve to score well. */
async function validate(): Promise<{ score: number; scenes: ValScore[] }> {
  const scenes: ValScore[] = [];
  for (const v of validation) scenes.push(await scoreScene(v.id, v.scene));
  const score =
    scenes.reduce((a, s) => a + (s.mpsnr - s.bicubicMpsnr) - (s.sam - s.bicubicSam), 0) /
    scenes.length;
  return { score, scenes };
}

// --- checkpoints ---
async function saveLast(): Promise<void> {
  const tmp = `${lastDir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await saveAnyBandModel(model, tmp);
  const weights = await optimizer.getWeights();
  const manifest = weights.map((w) => ({ name: w.name, shape: w.tensor.shape }));
  const parts = await Promise.all(weights.map((w) => w.tensor.data() as Promise<Float32Array>));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  await writeFile(join(tmp, 'optimizer.json'), JSON.stringify(manifest));
  await writeFile(join(tmp, 'optimizer.bin'), new Uint8Array(all.buffer));
  await writeFile(join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  await rm(lastDir, { recursive: true, force: true });
  await rename(tmp, lastDir);
}

// --- the loop ---
await mkdir(ckptDir, { recursive: true });
const budgetSeconds = hp.minutes * 60;
const fractionOf = (step: number, seconds: number) =>
  Math.max(
    Number.isFinite(hp.steps) ? step / hp.steps : 0,
    budgetSeconds > 0 ? seconds / budgetSeconds : 0,
  );
const bandSteps = (args['band-steps'] as string)
  .split(',')
  .map((p) => p.split(':').map(Number) as [number, number]);
const sampler = {
  scale: SCALE,
  groupSize: G,
  patch: hp.patch,
  batch: hp.batch,
  seed: hp.seed,
  bandSteps,
};
const P = hp.patch * SCALE;
let lastCkpt = Date.now();
let lastVal = Date.now();
let windowLoss = 0;
let windowSteps = 0;
let windowStart = Date.now();
const logEvery = num('log-every');
const runValidation = async () => {
  const v = await validate();
  const rec = {
    step: state.step,
    minutes: +(state.trainSeconds / 60).toFixed(2),
    score: v.score,
    scenes: v.scenes,
  };
  state.validations.push(rec);
  const text = v.scenes
    .map(
      (s) =>
        `${s.id} ${s.mpsnr.toFixed(3)} dB (bic ${s.bicubicMpsnr.toFixed(3)}) SAM ${s.sam.toFixed(3)} (bic ${s.bicubicSam.toFixed(3)})`,
    )
    .join(' | ');
  const better = !state.best || v.score > state.best.score;
  console.log(
    `[val] step ${state.step} score ${v.score.toFixed(4)}${better ? ' *best*' : ''} | ${text}`,
  );
  if (better) {
    state.best = { score: v.score, step: state.step, metrics: v.scenes };
    await saveAnyBandModel(model, join(ckptDir, 'best'), {
      training: { step: state.step, validation: v.scenes, score: v.score, hp },
    });
  }
};
if (state.step === 0) await runValidation();
while (state.step < hp.steps && fractionOf(state.step, state.trainSeconds) < 1) {
  const t0 = Date.now();
  const lr = lrAt(state.step, fractionOf(state.step, state.trainSeconds));
  // TF.js optimizers read their (protected) learningRate on every step.
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
  const b = sampleBatch(train, sampler, state.step);
  const loss = tf.tidy(() => {
    const x = tf.tensor4d(b.x, [hp.batch, hp.patch, hp.patch, G]);
    const y = tf.tensor4d(b.y, [hp.batch, P, P, G]);
    const shift = tf.tensor4d(b.shift, [hp.batch, 1, 1, 1]);
    const vars = model.core.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () =>
        lossOf(
          coreForward(
            model.core,
            x,
            shift,
            SCALE,
            model.config.residual ?? 'additive',
            true,
            model.config.relativeSoftening,
          ),
          y,
          shift,
        ),
      vars,
    );
    const list = vars.map((v) => grads[v.name]);
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.div(hp.clipNorm, tf.maximum(norm, hp.clipNorm));
    optimizer.applyGradients(
      vars.map((v, i) => ({ name: v.name, tensor: tf.mul(list[i], factor) })) as never,
    );
    return value;
  });
  const lv = (await loss.data())[0];
  loss.dispose();
  if (!Number.isFinite(lv)) throw new Error(`train-any-band: loss ${lv} at step ${state.step}`);
  state.step++;
  state.trainSeconds += (Date.now() - t0) / 1000;
  windowLoss += lv;
  windowSteps++;
  if (state.step % logEvery === 0) {
    const sps = windowSteps / ((Date.now() - windowStart) / 1000);
    console.log(
      `step ${state.step} loss ${(windowLoss / windowSteps).toFixed(5)} lr ${lr.toExponential(2)} ${sps.toFixed(2)} it/s trained ${(state.trainSeconds / 60).toFixed(1)}/${hp.minutes} min tensors ${tf.memory().numTensors}`,
    );
    windowLoss = 0;
    windowSteps = 0;
    windowStart = Date.now();
  }
  if (Date.now() - lastVal > num('validate-minutes') * 60_000) {
    await runValidation();
    lastVal = Date.now();
  }
  if (Date.now() - lastCkpt > num('checkpoint-minutes') * 60_000) {
    await saveLast();
    lastCkpt = Date.now();
  }
}
await runValidation();
await saveLast();
console.log(
  `done: ${state.step} steps, best score ${state.best?.score.toFixed(4)} at step ${state.best?.step}; ${ckptDir}/best`,
);
