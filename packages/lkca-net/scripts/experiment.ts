// Issue 8's experiment on real scenes, on the wasm backend, from scratch:
//   per scene (CAVE balloons, AVIRIS Jasper Ridge; both shipped in the repo) and per degradation
//   (MATLAB bicubic x1/4; Gaussian blur + bicubic + noise), train the teacher (8 LKB, `conv`), the
//   full student (4 LKB, `conv`), the low-rank students (`group` g=8; `svd` at the rank of 90 %
//   energy of the trained full student's upsampler), each alone and distilled, on the same seeded
//   patches; score each and bicubic on the never-trained hold-out; time one forward each; analyse
//   the trained `conv` upsamplers' spectra. Writes results.json, results.md and the plots.
// Usage (repo root): npm run experiment -- [--quick] [--resume] [--scenes a,b] [--degradations ...]
//   or: npx tsx --conditions=source packages/lkca-net/scripts/experiment.ts [...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyNormalization,
  bicubicUpsample,
  computeMetrics,
  type Cube,
  cropCube,
  degrade,
  denormalize,
  readCube,
  splitTrainTest,
  toBipCube,
  writePng,
} from '@hsrkit/hsi-data/node';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { analyzeLayer, type LayerAnalysis, plotSpectrumSvg } from '@hsrkit/lowrank';
import * as tf from '@tensorflow/tfjs';
import { readDemoScene } from '../src/demo-scene.js';
import { loadModel, readModelMetadata, saveModel, selectRuntime } from '@hsrkit/inference/node';
import { LKCA_LAYER_NAMES, lkcaNet } from '../src/model.js';
import { modelCost } from '../src/model-cost.js';
import { withSeededInit } from '../src/seeded-init.js';
import { trainOnScenes } from '../src/training.js';
import {
  type DegradationSpec,
  EVAL_NOISE_SEED,
  ExperimentDataError,
  type ExperimentArgs,
  ExperimentUsageError,
  isCanonicalRun,
  KD_ALPHA,
  lowRankVerdict,
  median,
  type PlannedRun,
  parseExperimentArgs,
  planRuns,
  profileName,
  SCALE,
  type SceneSpec,
  SPECTRAL_LOSS,
  SVD_ENERGY,
  stepsFor,
  svdBreakEvenRank,
  UPSAMPLER_GROUPS,
  USAGE,
  VARIANTS,
  type VariantId,
} from './experiment-plan.js';
import {
  type EarlierRun,
  earlierRunOf,
  type ExperimentResults,
  type GroupResult,
  type Metrics,
  resultsMarkdown,
  type SceneResult,
  type VariantResult,
} from './experiment-report.js';
import { renderSpectrumPng, type SpectrumCurve } from './spectrum-png.js';

const LR = 1e-3;
const WARMUP = 2;
const TIMED_RUNS = 9;

let args: ExperimentArgs;
try {
  args = parseExperimentArgs(process.argv.slice(2));
} catch (e) {
  if (e instanceof ExperimentUsageError) {
    console.error(e.message.includes('usage:') ? e.message : `${e.message}\n${USAGE}`);
    process.exit(2);
  }
  throw e;
}

const pkgRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(pkgRoot, '../..');
const profile = profileName(args);
const modelsRoot = join(pkgRoot, '.experiment-models', profile);
const outDir = resolve(
  args.out ??
    (isCanonicalRun(args)
      ? join(pkgRoot, 'bench/results/experiment')
      : join(modelsRoot, 'results')),
);
const command = `npm run experiment${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const t0 = Date.now();
const loadStart = loadavg();
const log = (msg: string) =>
  console.log(`[${((Date.now() - t0) / 60000).toFixed(1).padStart(5)} min] ${msg}`);

// Ctrl-C / kill: the trainer stops between steps and writes a checkpoint; --resume continues there.
const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    if (abort.signal.aborted) process.exit(130);
    console.error(`\n${sig}: stopping after this step and saving a checkpoint...`);
    abort.abort();
  });

class ExperimentAborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'ExperimentAborted';
  }
}

interface SceneData {
  /** What is trained on (a region scene: the whole cube, its hold-out masked by the trainer). */
  train: Cube[];
  /** Scored, never trained on: the hold-out region, or each held-out crop whole. */
  tests: { name: string; cube: Cube }[];
  file: string;
}

/** The first of the scene's candidate files (or crop folders) that exists, read; a typed error
 * naming all of them. */
async function readScene(spec: SceneSpec): Promise<SceneData> {
  const found = spec.files.map((f) => resolve(repoRoot, f)).find((f) => existsSync(f));
  if (!found)
    throw new ExperimentDataError(
      `scene '${spec.id}' needs one of these ${spec.crops ? 'folders' : 'files'} (shipped in the repo, or ../shared/data beside it; an ENVI file with its .hdr):\n${spec.files.map((f) => `  ${resolve(repoRoot, f)}`).join('\n')}`,
    );
  if (spec.crops) {
    const read = (names: string[]) => Promise.all(names.map((n) => readCube(join(found, n))));
    const train = await read(spec.crops.train);
    const tests = (await read(spec.crops.test)).map((cube, i) => ({
      name: spec.crops!.test[i],
      // Sides a multiple of the scale: the LR is exact.
      cube: cropCube(spec.crops!.test[i], cube, {
        row: 0,
        col: 0,
        rows: cube.rows - (cube.rows % SCALE),
        cols: cube.cols - (cube.cols % SCALE),
      }),
    }));
    return { train, tests, file: relative(repoRoot, found) };
  }
  const cube = spec.caveWavelengths ? await readDemoScene(found) : await readCube(found);
  if (!spec.holdOut) throw new Error(`scene '${spec.id}' has neither crops nor a hold-out`);
  return {
    train: [cube],
    tests: [{ name: 'hold-out', cube: cropCube('holdOut', cube, spec.holdOut) }],
    file: relative(repoRoot, found),
  };
}

interface Pair {
  gt: tf.Tensor4D;
  lr: tf.Tensor4D;
  peak: number;
}

/** A test cube's ground truth and its LR (this degradation, fixed noise seed), data units. */
function holdOutPair(test: Cube, deg: DegradationSpec): Pair {
  const crop = toBipCube(test);
  const gt = tf.tensor4d(crop.data, [1, crop.rows, crop.cols, crop.bands]);
  const lr = degrade(gt, {
    scale: SCALE,
    ...(deg.options
      ? { blur: deg.options.blur, noise: { snrDb: deg.options.noise.snrDb, seed: EVAL_NOISE_SEED } }
      : {}),
  });
  let peak = 0;
  for (const v of crop.data) if (v > peak) peak = v;
  return { gt, lr, peak: peak || 1 };
}

function pickMetrics(m: Metrics): Metrics {
  return { mpsnr: m.mpsnr, mssim: m.mssim, sam: m.sam, ergas: m.ergas, cc: m.cc, rmse: m.rmse };
}

/** The model's input: the LR in the model's normalisation (recorded in it by trainOnScenes). */
function modelInput(model: tf.LayersModel, lr: tf.Tensor4D): tf.Tensor4D {
  const record = readModelMetadata(model).normalization;
  return record ? applyNormalization(lr, record) : lr.clone();
}

/** The mean of each metric over the test cubes (one cube: its scores). */
function meanMetrics(all: Metrics[]): Metrics {
  const out = { ...all[0] };
  for (const k of Object.keys(out) as (keyof Metrics)[])
    out[k] = all.reduce((a, m) => a + m[k], 0) / all.length;
  return out;
}

async function scoreAll(model: tf.LayersModel, pairs: Pair[]): Promise<Metrics[]> {
  const out: Metrics[] = [];
  for (const p of pairs) out.push(await score(model, p));
  return out;
}

async function score(model: tf.LayersModel, pair: Pair): Promise<Metrics> {
  const record = readModelMetadata(model).normalization;
  const sr = tf.tidy(() => {
    const y = model.predict(modelInput(model, pair.lr)) as tf.Tensor4D;
    return record ? denormalize(y, record) : y;
  });
  try {
    return pickMetrics(
      await computeMetrics(pair.gt, sr, { preset: 'sspsr', scale: SCALE, dataRange: pair.peak }),
    );
  } finally {
    sr.dispose();
  }
}

/** Median ms of model.predict per model, the models interleaved so load spikes hit all alike. */
async function timeForwards(
  models: Map<VariantId, tf.LayersModel>,
  lr: tf.Tensor4D,
): Promise<Map<VariantId, number>> {
  const inputs = new Map([...models].map(([id, m]) => [id, modelInput(m, lr)]));
  const times = new Map<VariantId, number[]>([...models.keys()].map((id) => [id, []]));
  try {
    for (let round = 0; round < WARMUP + TIMED_RUNS; round++)
      for (const [id, m] of models) {
        const t = performance.now();
        const y = m.predict(inputs.get(id)!) as tf.Tensor;
        await y.data();
        const ms = performance.now() - t;
        y.dispose();
        if (round >= WARMUP) times.get(id)!.push(ms);
      }
  } finally {
    tf.dispose([...inputs.values()]);
  }
  return new Map([...times].map(([id, t]) => [id, median(t)]));
}

function upsamplerAnalysis(model: tf.LayersModel, lrShape: number[]): Promise<LayerAnalysis> {
  return analyzeLayer(model.getLayer(LKCA_LAYER_NAMES.upsampler), {
    inputShape: [
      lrShape[1],
      lrShape[2],
      model.getLayer(LKCA_LAYER_NAMES.features).outputShape.at(-1) as number,
    ],
  });
}

function rankAt(a: { ranks: readonly { energy: number; rank: number }[] }, energy: number): number {
  const r = a.ranks.find((x) => Math.abs(x.energy - energy) < 1e-9);
  if (!r) throw new Error(`analysis has no rank for energy ${energy}`);
  return r.rank;
}

/** What the built `lkca analyze` CLI says about the same saved model's upsampler. */
function cliCheck(modelDir: string, a: LayerAnalysis): string {
  const bin = join(pkgRoot, 'bin/lkca.js');
  if (!existsSync(join(pkgRoot, 'dist/cli/main.js'))) return 'not checked (CLI not built)';
  try {
    const json = JSON.parse(
      execFileSync(
        process.execPath,
        [bin, 'analyze', modelDir, '--layer', LKCA_LAYER_NAMES.upsampler, '--json'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ),
    ) as { layers: { fullRank: number; ranks: { energy: number; rank: number }[] }[] };
    const l = json.layers[0];
    const cli = l.ranks.map((r) => r.rank).join('/');
    const ours = a.ranks.map((r) => r.rank).join('/');
    return l.fullRank === a.fullRank && cli === ours
      ? `same (${cli} of ${l.fullRank})`
      : `DIFFERS: CLI ${cli} of ${l.fullRank}, here ${ours} of ${a.fullRank}`;
  } catch (e) {
    return `not checked (${(e as Error).message.split('\n')[0]})`;
  }
}

interface Trained {
  model: tf.LayersModel;
  info: Omit<
    VariantResult,
    'params' | 'gmacs' | 'msForward' | 'metrics' | 'label' | 'kd' | 'upsampler' | 'blocks'
  >;
  dir: string;
}

async function trainVariant(
  run: PlannedRun,
  data: SceneData,
  groupDir: string,
  models: Map<VariantId, tf.LayersModel>,
  rank: number | undefined,
): Promise<Trained> {
  const { scene, degradation: deg, variant: v, steps } = run;
  const vdir = join(groupDir, v.id);
  const modelDir = join(vdir, 'model');
  const doneFile = join(vdir, 'done.json');
  if (args.resume && existsSync(doneFile)) {
    const info = JSON.parse(readFileSync(doneFile, 'utf8')) as Trained['info'];
    log(`${scene.id}/${deg.id}/${v.id}: finished earlier, loaded`);
    return { model: await loadModel(modelDir), info: { ...info, reused: true }, dir: modelDir };
  }
  // Seeded init: the two seeds of a claim start from different, reproducible weights.
  const student = withSeededInit(v.seed, () =>
    lkcaNet({
      bands: data.train[0].bands,
      scale: SCALE,
      blocks: v.blocks,
      upsampler: v.upsampler,
      upsamplerGroups: UPSAMPLER_GROUPS,
      ...(rank !== undefined ? { upsamplerRank: rank } : {}),
      name: `lkca_${v.id.replace(/-/g, '_')}`,
    }),
  );
  const teacher = v.kd ? models.get('teacher') : undefined;
  if (v.kd && !teacher) throw new Error(`${v.id} needs the teacher`);
  mkdirSync(vdir, { recursive: true });
  const start = Date.now();
  let every = Math.max(1, Math.floor(steps / 10));
  const res = await trainOnScenes({
    scenes: data.train,
    scale: SCALE,
    student,
    teacher,
    alpha: KD_ALPHA,
    steps,
    batchSize: scene.batchSize,
    patchSize: scene.patchSize,
    stride: scene.stride,
    lr: LR,
    seed: v.seed,
    spectralLoss: v.spectralLoss ?? SPECTRAL_LOSS,
    // Validation only draws the learning curve (the model kept is the last step's), on what is
    // scored: the hold-out region, or the held-out crops.
    holdOut: scene.holdOut,
    validationScenes: scene.crops ? data.tests.map((t) => t.cube) : undefined,
    validateEvery: Math.max(1, Math.floor(steps / 8)),
    degradation: deg.options,
    checkpointDir: join(vdir, 'ckpt'),
    checkpointEvery: Math.max(5, Math.min(50, Math.floor(steps / 5))),
    resume: args.resume,
    signal: abort.signal,
    onProgress: (e) => {
      if (e.step % every === 0 || e.validation)
        log(
          `${scene.id}/${deg.id}/${v.id} step ${e.step}/${e.totalSteps} loss ${e.losses.total.toFixed(5)} ${(1 / Math.max(e.stepsPerSecond, 1e-9)).toFixed(2)} s/step${e.validation ? ` | val MPSNR ${e.validation.metrics.mpsnr.toFixed(3)} SAM ${e.validation.metrics.sam.toFixed(3)}` : ''}`,
        );
      every = Math.max(1, Math.floor(e.totalSteps / 10));
    },
  });
  if (res.result.aborted) {
    res.result.dispose();
    throw new ExperimentAborted();
  }
  await saveModel(res.model, modelDir);
  const info: Trained['info'] = {
    id: v.id,
    ...(rank !== undefined ? { rank } : {}),
    steps: res.result.step,
    resumedFrom: res.result.resumedFrom,
    trainSeconds: (Date.now() - start) / 1000,
    reused: false,
    validations: res.result.validations.map((x) => ({
      step: x.step,
      mpsnr: x.metrics.mpsnr,
      sam: x.metrics.sam,
    })),
  };
  res.result.dispose();
  writeFileSync(doneFile, `${JSON.stringify(info, null, 2)}\n`);
  // The model is saved: its checkpoints (weights + Adam slots) are no longer needed.
  rmSync(join(vdir, 'ckpt'), { recursive: true, force: true });
  log(
    `${scene.id}/${deg.id}/${v.id}: trained ${info.steps} steps in ${(info.trainSeconds / 60).toFixed(1)} min`,
  );
  return { model: res.model, info, dir: modelDir };
}

function writeResults(results: ExperimentResults): void {
  results.machine.loadAverageEnd = loadavg();
  results.wallMinutes = (Date.now() - t0) / 60000;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'results.md'), resultsMarkdown(results));
}

async function main(): Promise<void> {
  const runtime = await selectRuntime('wasm');
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  const runs = planRuns(args);
  log(
    `profile '${profile}', ${runs.length} trainings, models under ${relative(repoRoot, modelsRoot)}, results to ${relative(repoRoot, outDir) || outDir}; backend ${runtime.backend} (${runtime.device})`,
  );
  if (!args.resume)
    for (const s of args.scenes)
      for (const d of args.degradations)
        rmSync(join(modelsRoot, s, d), { recursive: true, force: true });
  const results: ExperimentResults = {
    generatedAt: new Date().toISOString(),
    command,
    profile,
    complete: false,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      tfjs: tf.version.tfjs,
      backend: runtime.backend,
      loadAverageStart: loadStart,
      loadAverageEnd: loadStart,
    },
    wallMinutes: 0,
    trainMinutes: 0,
    timing: { warmup: WARMUP, runs: TIMED_RUNS },
    scenes: [],
    earlier: readEarlierRun(),
  };
  let trainSeconds = 0;
  for (const sceneId of args.scenes) {
    const spec = runs.find((r) => r.scene.id === sceneId)!.scene;
    const data = await readScene(spec);
    const cube = data.train[0];
    log(
      `${spec.id}: ${data.file}, train ${data.train.map((c) => `${c.rows} x ${c.cols} x ${c.bands}`).join(', ')}; test ${data.tests.map((t) => `${t.name} ${t.cube.rows} x ${t.cube.cols}`).join(', ')}`,
    );
    // Patches on the trainer's grid: outside the hold-out, or every one of a whole training crop.
    const grid = (n: number) => Math.floor((n - spec.patchSize) / spec.stride) + 1;
    const trainPatches = data.train.reduce(
      (n, c) =>
        n +
        (spec.holdOut
          ? splitTrainTest(
              c.rows,
              c.cols,
              { by: 'region', test: spec.holdOut },
              { patchSize: spec.patchSize, stride: spec.stride },
            ).train.length
          : grid(c.rows) * grid(c.cols)),
      0,
    );
    const sceneResult: SceneResult = {
      id: spec.id,
      title: spec.title,
      sensor: spec.sensor,
      file: data.file,
      shape: [cube.rows, cube.cols, cube.bands],
      holdOut: spec.holdOut,
      trainFiles: spec.crops?.train,
      testFiles: spec.crops?.test,
      lrInput: [data.tests[0].cube.rows / SCALE, data.tests[0].cube.cols / SCALE, cube.bands],
      training: {
        steps: stepsFor(spec, args), // a variant's (the teacher and student-long take 2x)
        batchSize: spec.batchSize,
        patchSize: spec.patchSize,
        stride: spec.stride,
        lr: LR,
        seeds: [...new Set(VARIANTS.map((v) => v.seed))],
        loss: `L1 + ${SPECTRAL_LOSS.sam} x spectral angle + ${SPECTRAL_LOSS.spectralGradient} x spectral gradient`,
        trainPatches,
      },
      groups: [],
      spectra: [],
      plots: { svg: `spectrum-${spec.id}.svg`, png: null },
    };
    results.scenes.push(sceneResult);
    const analyses: { name: string; analysis: LayerAnalysis }[] = [];
    for (const degId of args.degradations) {
      const groupRuns = runs.filter((r) => r.scene.id === sceneId && r.degradation.id === degId);
      const deg = groupRuns[0].degradation;
      const groupDir = join(modelsRoot, spec.id, deg.id);
      const pairs = data.tests.map((t) => holdOutPair(t.cube, deg));
      const pair = pairs[0];
      const bicubicEach: Metrics[] = [];
      for (const p of pairs) {
        const bicubic = tf.tidy(() => bicubicUpsample(p.lr, SCALE));
        bicubicEach.push(
          pickMetrics(
            await computeMetrics(p.gt, bicubic, {
              preset: 'sspsr',
              scale: SCALE,
              dataRange: p.peak,
            }),
          ),
        );
        bicubic.dispose();
      }
      const group: GroupResult = {
        degradation: deg,
        bicubic: meanMetrics(bicubicEach),
        ...(pairs.length > 1
          ? {
              bicubicPerTest: Object.fromEntries(
                data.tests.map((t, i) => [t.name, bicubicEach[i]]),
              ),
            }
          : {}),
        variants: [],
      };
      sceneResult.groups.push(group);
      const models = new Map<VariantId, tf.LayersModel>();
      const dirs = new Map<VariantId, string>();
      // SVDs of a 576 x 3168 kernel take ~25 s here: each trained upsampler is analysed once.
      const analysed = new Map<VariantId, LayerAnalysis>();
      const analysisOf = async (id: VariantId) => {
        if (!analysed.has(id))
          analysed.set(id, await upsamplerAnalysis(models.get(id)!, pair.lr.shape));
        return analysed.get(id)!;
      };
      for (const run of groupRuns) {
        const v = run.variant;
        let rank: number | undefined;
        if (v.upsampler === 'svd') rank = rankAt(await analysisOf('student'), SVD_ENERGY);
        const t = await trainVariant(run, data, groupDir, models, rank);
        if (!t.info.reused) trainSeconds += t.info.trainSeconds;
        models.set(v.id, t.model);
        dirs.set(v.id, t.dir);
        const cost = modelCost(t.model, [pair.lr.shape[1], pair.lr.shape[2]]);
        const each = await scoreAll(t.model, pairs);
        const metrics = meanMetrics(each);
        group.variants.push({
          ...t.info,
          ...(pairs.length > 1
            ? { metricsPerTest: Object.fromEntries(data.tests.map((x, i) => [x.name, each[i]])) }
            : {}),
          seed: v.seed,
          label: v.label,
          kd: v.kd,
          upsampler: v.upsampler,
          blocks: v.blocks,
          params: t.model.countParams(),
          gmacs: cost.macs / 1e9,
          msForward: null,
          metrics,
        });
        log(
          `${spec.id}/${deg.id}/${v.id}: hold-out MPSNR ${metrics.mpsnr.toFixed(3)} dB (bicubic ${group.bicubic.mpsnr.toFixed(3)}), SAM ${metrics.sam.toFixed(3)}`,
        );
        results.trainMinutes = trainSeconds / 60;
        results.wallMinutes = (Date.now() - t0) / 60000;
        writeResults(results);
      }
      log(`${spec.id}/${deg.id}: timing ${models.size} models on wasm`);
      const ms = await timeForwards(models, pair.lr);
      for (const v of group.variants) v.msForward = ms.get(v.id) ?? null;
      for (const id of ['student', 'teacher'] as const) {
        const m = models.get(id);
        if (!m) continue;
        const a = await analysisOf(id);
        const name = `${id} (${deg.id})`;
        analyses.push({ name, analysis: a });
        const out = a.matrixShape[1];
        const breakEven = svdBreakEvenRank(a.matrixShape[0] / 9, out);
        sceneResult.spectra.push({
          name,
          degradation: deg.id,
          variant: id,
          matrixShape: a.matrixShape,
          fullRank: a.fullRank,
          ranks: a.ranks.map((r) => ({ energy: r.energy, rank: r.rank })),
          knee: a.knee,
          breakEven,
          verdict: lowRankVerdict(rankAt(a, 0.9), a.matrixShape[0], a.matrixShape[1]),
          // Once per scene (bicubic models): the CLI repeats the same slow SVD.
          cliCheck: deg.id === 'bicubic' ? cliCheck(dirs.get(id)!, a) : '(checked on bicubic)',
          singularValues: Array.from(a.singularValues),
        });
      }
      for (const m of models.values()) m.dispose();
      for (const p of pairs) tf.dispose([p.gt, p.lr]);
      results.wallMinutes = (Date.now() - t0) / 60000;
      writeResults(results);
    }
    // The untrained upsampler (TF.js Glorot init) as the reference a trained spectrum moves from.
    const init = lkcaNet({ bands: cube.bands, scale: SCALE, blocks: 4 });
    const a0 = await upsamplerAnalysis(init, [
      1,
      data.tests[0].cube.rows / SCALE,
      data.tests[0].cube.cols / SCALE,
    ]);
    init.dispose();
    const be0 = svdBreakEvenRank(a0.matrixShape[0] / 9, a0.matrixShape[1]);
    sceneResult.spectra.push({
      name: 'untrained (Glorot init)',
      degradation: null,
      variant: 'init',
      matrixShape: a0.matrixShape,
      fullRank: a0.fullRank,
      ranks: a0.ranks.map((r) => ({ energy: r.energy, rank: r.rank })),
      knee: a0.knee,
      breakEven: be0,
      verdict: lowRankVerdict(rankAt(a0, 0.9), a0.matrixShape[0], a0.matrixShape[1]),
      cliCheck: '-',
      singularValues: Array.from(a0.singularValues),
    });
    analyses.push({ name: 'untrained (Glorot init)', analysis: a0 });
    const labelled = analyses.map(({ name, analysis }) => ({
      ...analysis,
      layer: `${name} upsampler`,
    }));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, sceneResult.plots.svg),
      plotSpectrumSvg(labelled, {
        title: `${spec.title}: trained 'conv' upsamplers, Conv3x3(64 -> ${cube.bands}x${SCALE}x${SCALE})`,
      }),
    );
    const curves: SpectrumCurve[] = analyses.map(({ name, analysis }) => ({
      label: `${name}: r90 ${rankAt(analysis, 0.9)} of ${analysis.fullRank}`,
      singularValues: analysis.singularValues,
      energy: analysis.energy,
      mark: rankAt(analysis, 0.9),
    }));
    sceneResult.plots.png = `spectrum-${spec.id}.png`;
    await writePng(
      join(outDir, sceneResult.plots.png),
      renderSpectrumPng(curves, {
        title: `${spec.id.toUpperCase()}: UPSAMPLER SINGULAR VALUES (64 -> ${cube.bands}X${SCALE}X${SCALE})`,
      }),
    );
    results.wallMinutes = (Date.now() - t0) / 60000;
    writeResults(results);
  }
  results.complete = true;
  results.machine.loadAverageEnd = loadavg();
  results.wallMinutes = (Date.now() - t0) / 60000;
  writeResults(results);
  log(
    `done: ${join(relative(repoRoot, outDir), 'results.md')} (${results.wallMinutes.toFixed(1)} min)`,
  );
}

/** The `--compare-to` run's scores, read before anything trains (a wrong path fails at once). */
function readEarlierRun(): EarlierRun | undefined {
  if (!args.compareTo) return undefined;
  const file = resolve(args.compareTo);
  if (!existsSync(file)) throw new ExperimentDataError(`--compare-to: no ${file}`);
  let earlier: ExperimentResults;
  try {
    earlier = JSON.parse(readFileSync(file, 'utf8')) as ExperimentResults;
  } catch (e) {
    throw new ExperimentDataError(`--compare-to: ${file} is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(earlier.scenes) || typeof earlier.profile !== 'string')
    throw new ExperimentDataError(`--compare-to: ${file} is not an experiment's results.json`);
  return earlierRunOf(relative(repoRoot, file), earlier);
}

/** results.md again from results.json (e.g. after the report's wording or verdict rule changed). */
function reportOnly(): void {
  const file = join(outDir, 'results.json');
  if (!existsSync(file)) throw new ExperimentDataError(`--report-only: no ${file}`);
  const results = JSON.parse(readFileSync(file, 'utf8')) as ExperimentResults;
  if (args.compareTo) results.earlier = readEarlierRun();
  for (const scene of results.scenes)
    for (const sp of scene.spectra)
      sp.verdict = lowRankVerdict(rankAt(sp, 0.9), sp.matrixShape[0], sp.matrixShape[1]);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'results.md'), resultsMarkdown(results));
  console.log(`rewrote ${relative(repoRoot, join(outDir, 'results.md'))} from results.json`);
}

try {
  if (args.reportOnly) reportOnly();
  else await main();
} catch (e) {
  if (e instanceof ExperimentAborted) {
    console.error(
      `stopped; checkpoints are under ${relative(repoRoot, modelsRoot)}. Continue with: ${command.includes('--resume') ? command : `${command}${command.includes(' -- ') ? '' : ' --'} --resume`}`,
    );
    process.exit(130);
  }
  if (e instanceof ExperimentDataError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
