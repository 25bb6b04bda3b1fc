import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Cube,
  composeGrid,
  cropCube,
  falseColor,
  writeCube,
  writePng,
} from '@hsrkit/hsi-data/node';
import { loadModel, type RuntimeName, startTileRunner } from '@hsrkit/inference/node';
import {
  DEMO_HOLD_OUT,
  DEMO_MODEL_PATH,
  DEMO_SCALE,
  DEMO_SCENE_PATH,
  readDemoScene,
} from './demo-scene.js';
import { ANY_BAND_CONFIG_FILE, loadAnyBandModel } from './any-band/io-node.js';
import { evaluateScene, type SceneEvaluation } from './evaluate.js';

export interface DemoOptions {
  /** Folder for the SR cube and the PNG previews. */
  outDir: string;
  /** Model to run instead of the shipped one. */
  modelPath?: string;
  /** Runtime each worker starts (with one worker, the current backend runs). */
  runtime?: RuntimeName;
  workers?: number;
  /** Our WebAssembly kernels on wasm/cpu (Winograd convs, fused sub-pixel tail; default true). */
  fastKernels?: boolean;
  /** The geometric self-ensemble: 8 passes (rotations and flips) averaged (src/self-ensemble.ts). */
  selfEnsemble?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoResult {
  evaluation: SceneEvaluation;
  files: {
    /** The SR cube and the LR input, ENVI. */
    sr: string;
    lr: string;
    /** LR | bicubic | model | ground truth, side by side, one stretch for all. */
    grid: string;
    previews: string[];
  };
}

/**
 * The demo: the held-out quadrant of the shipped real scene (never seen in training) degraded x1/4
 * and super-resolved by the shipped model, scored against the ground truth beside bicubic, written
 * as ENVI cubes and false-colour PNGs.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const modelPath = opts.modelPath ?? DEMO_MODEL_PATH;
  if (!existsSync(modelPath))
    throw new Error(
      `no model at ${modelPath}: train it with 'npx tsx --conditions=source scripts/train-demo-any-band.ts'`,
    );
  const scene = await readDemoScene();
  const gt = cropCube(DEMO_SCENE_PATH, scene, DEMO_HOLD_OUT);
  const evaluation = existsSync(join(modelPath, ANY_BAND_CONFIG_FILE))
    ? await evaluateAnyBand(modelPath, gt, opts)
    : await evaluateBandSpecific(modelPath, gt, opts);
  return writeDemoFiles(evaluation, opts.outDir);
}

/** An any-band model runs in-process with its own tiling (src/any-band/any-band-model.ts). */
async function evaluateAnyBand(
  modelPath: string,
  gt: Cube,
  opts: DemoOptions,
): Promise<SceneEvaluation> {
  const model = await loadAnyBandModel(modelPath);
  try {
    return await evaluateScene(model, gt, { scale: DEMO_SCALE, selfEnsemble: opts.selfEnsemble });
  } finally {
    model.dispose();
  }
}

async function evaluateBandSpecific(
  modelPath: string,
  gt: Cube,
  opts: DemoOptions,
): Promise<SceneEvaluation> {
  const model = await loadModel(modelPath);
  const workers = opts.workers ?? 1;
  const fast = opts.fastKernels ?? true;
  const pool = await startTileRunner(model, {
    modelPath,
    runtime: opts.runtime,
    workers,
    winogradConv: fast,
    fusedTail: fast,
  });
  try {
    return await evaluateScene(model, gt, {
      scale: DEMO_SCALE,
      runner: pool.runner,
      concurrency: workers,
      tile: 32,
      overlap: 8,
      signal: opts.signal,
      onProgress: opts.onProgress,
      selfEnsemble: opts.selfEnsemble,
    });
  } finally {
    await pool.close();
    model.dispose();
  }
}

/** The SR and LR cubes, one false-colour PNG each (one stretch) and the comparison grid. */
async function writeDemoFiles(evaluation: SceneEvaluation, outDir: string): Promise<DemoResult> {
  await mkdir(outDir, { recursive: true });
  const sr = join(outDir, 'sr_x4.hdr');
  const lr = join(outDir, 'lr.hdr');
  await writeCube(sr, evaluation.sr);
  await writeCube(lr, evaluation.lr);
  // One stretch for all four pictures (the ground truth's), so they compare fairly.
  const gtView = await falseColor(evaluation.gt);
  const views = await Promise.all(
    [evaluation.lr, evaluation.bicubic, evaluation.sr].map((c) =>
      falseColor(c, { stretch: gtView.stretch }),
    ),
  );
  const images = [...views.map((v) => v.image), gtView.image];
  const previews = ['lr', 'bicubic', 'lkca', 'ground-truth'].map((n) => join(outDir, `${n}.png`));
  for (let i = 0; i < 4; i++) await writePng(previews[i], images[i]);
  const grid = join(outDir, 'compare.png');
  await writePng(grid, composeGrid(images, { border: 4 }));
  return { evaluation, files: { sr, lr, grid, previews } };
}
