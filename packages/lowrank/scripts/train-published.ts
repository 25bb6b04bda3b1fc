// Trains the two published architectures of the bench (ESPCN x2 and EDSR-baseline x2, as built in
// bench/models.ts, both on 31 bands) on real Samson patches and saves them into fixtures/espcn-x2
// and fixtures/edsr-x2 (with training.json: steps, scene, held-out PSNR against bicubic), plus a
// held-out LR calibration batch from columns never used in training.
// Run: npx tsx --conditions=source scripts/train-published.ts [espcnSteps] [edsrSteps] [minutes]
// A step count of 0 skips that model (so the two can train in parallel processes); each model
// stops early after `minutes` of wall time (default 12) and records the steps it did.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cubeToTensor, readCube } from '@hsrkit/hsi-data/node';
import { bicubicResize } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { edsrBaseline, espcn } from '../bench/models.js';
import { saveModelToDir } from '../test/node-io.js';
import {
  downscale,
  hrCrops,
  rng,
  SR_SETUP,
  sceneTensor,
  trainSr,
  useWasmForTraining,
  writeCalibration,
} from './sr-training.js';

const { bands: BANDS, scale: SCALE, hr: HR } = SR_SETUP;
const ESPCN_STEPS = Number(process.argv[2] ?? 800);
const EDSR_STEPS = Number(process.argv[3] ?? 250);
const MINUTES = Number(process.argv[4] ?? 12);
const here = new URL('..', import.meta.url).pathname;
const SAMSON = new URL('../../hsi-data/fixtures/real/samson_1.img', import.meta.url).pathname;
const TRAIN_COLS = 63; // columns [0, 63) train; [63, 95) are held out for calibration and scoring

/** PSNR (peak 1) of `a` against `b`. */
async function psnr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const mse = tf.tidy(() => tf.mean(tf.squaredDifference(a, b)));
  const v = (await mse.data())[0];
  mse.dispose();
  return 10 * Math.log10(1 / v);
}

async function main() {
  await useWasmForTraining();
  const cube = await readCube(SAMSON);
  const bands = Array.from({ length: BANDS }, (_, i) =>
    Math.round((i * (cube.bands - 1)) / (BANDS - 1)),
  );
  const all = cubeToTensor(tf, cube);
  const picked = tf.tidy(() => tf.gather(all, bands, 2));
  const values = (await picked.data()) as Float32Array;
  tf.dispose([all, picked]);
  const { scene, peak } = sceneTensor(values, cube.rows, cube.cols);
  const wavelengths = cube.wavelengths ? bands.map((b) => cube.wavelengths![b]) : undefined;

  // Held out: HR 32x32 crops at columns [63, 95), rows 8 and 55 (calibration) and the four
  // corners of that strip (scoring). None of these pixels is ever cropped in training.
  const heldOutHr = hrCrops(scene, HR, TRAIN_COLS, [8, 55, 0, cube.rows - HR]);
  const heldOutLr = downscale(heldOutHr, SCALE);
  const bicubicUp = bicubicResize(heldOutLr, { scale: SCALE });
  const bicubicPsnr = await psnr(bicubicUp, heldOutHr);
  const calibration = tf.slice(heldOutLr, [0, 0, 0, 0], [2, -1, -1, -1]);
  const source =
    'Samson (95 x 95, 156 bands, 401-899 nm), packages/hsi-data/fixtures/real/samson_1.img ' +
    "(a copy of the shared data set's file; provenance and licence in that folder's SOURCES.md)";
  await writeCalibration(join(here, 'fixtures', 'samson-lr-calibration'), calibration, {
    source,
    bands,
    wavelengthsNm: wavelengths,
    normalisation: `int16 values divided by the ${BANDS}-band cube max ${peak}`,
    crops: `HR 32x32 at (row 8, col ${TRAIN_COLS}) and (row 55, col ${TRAIN_COLS}), held out from training (cols < ${TRAIN_COLS})`,
    degradation: 'MATLAB imresize bicubic x0.5 with antialiasing (@hsrkit/layers bicubicResize)',
  });
  console.log(
    `Samson ${cube.rows}x${cube.cols}x${cube.bands} -> ${BANDS} bands; held-out bicubic PSNR ${bicubicPsnr.toFixed(2)} dB`,
  );

  const jobs = [
    {
      dir: 'espcn-x2',
      steps: ESPCN_STEPS,
      learningRate: 1e-3,
      batch: 8,
      hr: HR,
      seed: 31,
      build: () => espcn(BANDS, SCALE),
      architecture: 'ESPCN x2 (Shi et al. 2016) on 31 bands, as bench/models.ts espcn(31, 2)',
    },
    {
      dir: 'edsr-x2',
      steps: EDSR_STEPS,
      learningRate: 4e-4,
      // 16 blocks x 64 feats cost ~10 s a step at batch 8 of 32x32 here: smaller crops keep
      // the paper's network and still fit the time budget.
      batch: 4,
      hr: 24,
      seed: 64,
      build: () => edsrBaseline(BANDS, 16, 64),
      architecture:
        'EDSR-baseline x2 (Lim et al. 2017) on 31 bands, 16 res blocks x 64 feats, as bench/models.ts edsrBaseline(31)',
    },
  ];
  for (const job of jobs) {
    if (job.steps <= 0) continue;
    const model = job.build();
    console.log(`${job.dir}: ${model.countParams()} params, ${job.steps} steps`);
    const run = await trainSr(model, {
      scene,
      trainCols: TRAIN_COLS,
      scale: SCALE,
      hr: job.hr,
      batch: job.batch,
      steps: job.steps,
      learningRate: job.learningRate,
      rand: rng(job.seed),
      signal: AbortSignal.timeout(MINUTES * 60_000),
    });
    const out = model.predict(heldOutLr) as tf.Tensor;
    const heldOutPsnr = await psnr(out, heldOutHr);
    out.dispose();
    const dir = join(here, 'fixtures', job.dir);
    const bytes = await saveModelToDir(model, dir);
    const training = {
      architecture: job.architecture,
      params: model.countParams(),
      trainedSteps: run.steps,
      plannedSteps: job.steps,
      optimizer: `Adam lr ${job.learningRate}, L1 loss, batch ${job.batch} of HR ${job.hr}x${job.hr} crops (random flips/transposes), LR by bicubic x1/${SCALE}`,
      scene: source,
      bands,
      trainCrops: `columns [0, ${TRAIN_COLS})`,
      lastBatchL1: run.lastL1,
      trainingSeconds: run.seconds,
      heldOut: `4 HR 32x32 crops from columns [${TRAIN_COLS}, ${cube.cols}) (rows 8, 55, 0, ${cube.rows - HR})`,
      heldOutPsnrDb: heldOutPsnr,
      heldOutBicubicPsnrDb: bicubicPsnr,
      savedBytes: bytes,
    };
    const meta = join(dir, 'training.json');
    await writeFile(`${meta}.tmp`, `${JSON.stringify(training, null, 2)}\n`);
    await rename(`${meta}.tmp`, meta);
    console.log(
      `saved ${dir} (${bytes} bytes): held-out PSNR ${heldOutPsnr.toFixed(2)} dB vs bicubic ${bicubicPsnr.toFixed(2)} dB, ${run.seconds.toFixed(0)} s`,
    );
    model.dispose();
  }
  tf.dispose([scene, heldOutHr, heldOutLr, bicubicUp, calibration]);
}

await main();
