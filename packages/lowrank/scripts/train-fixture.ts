// Trains the small LKCA-Net-like fixture model on real Jasper Ridge patches and saves it into
// fixtures/ (with a held-out calibration batch). Random weights are not low-rank; trained ones
// are, and that is what the tests measure.
// Run: npx tsx --conditions=source scripts/train-fixture.ts [steps] [resume]
// 'resume' continues from the saved fixture (fresh Adam state) and adds its steps to the count.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModelFromFile, saveModelToDir } from '../test/node-io.js';
import { buildLkcaMini } from './lkca-mini.js';
import { evenBands, JASPER_SHAPE, readJasper } from './jasper.js';
import * as sr from './sr-training.js';

const { bands: BANDS, scale: SCALE, hr: HR } = sr.SR_SETUP;
const BATCH = 8;
const STEPS = Number(process.argv[2] ?? 300);
const TRAIN_COLS = 68; // columns [0, 68) train; [68, 100) are held out for calibration
const here = new URL('..', import.meta.url).pathname;

async function main() {
  await sr.useWasmForTraining();
  const { lines, samples } = JASPER_SHAPE;
  const bands = evenBands(BANDS);
  const { scene, peak } = sr.sceneTensor(await readJasper(bands), lines, samples);
  const dir = join(here, 'fixtures', 'lkca-mini');
  const base = join(here, 'fixtures', 'jasper-lr-calibration');
  const resume = process.argv[3] === 'resume';
  const previous = resume ? JSON.parse(await readFile(`${base}.json`, 'utf8')).trainedSteps : 0;
  // The LKB initialisers are unseeded; the crops are seeded.
  const model = resume ? await loadModelFromFile(join(dir, 'model.json')) : buildLkcaMini();
  await sr.trainSr(model, {
    scene,
    trainCols: TRAIN_COLS,
    scale: SCALE,
    hr: HR,
    batch: BATCH,
    steps: STEPS,
    learningRate: 1e-3,
    rand: sr.rng(2025 + previous),
  });
  const bytes = await saveModelToDir(model, dir);
  console.log(`saved ${dir} (${bytes} bytes)`);
  // Held-out calibration batch: two LR patches from columns [68, 100).
  const heldOut = sr.hrCrops(scene, HR, TRAIN_COLS, [10, 58]);
  const calib = sr.downscale(heldOut, SCALE);
  await sr.writeCalibration(base, calib, {
    source:
      'Jasper Ridge (AVIRIS), /work/shared/data/hsi/pekalam-hyperspectral-segmentation/jasperRidge2_R198.img ' +
      "(github pekalam/hyperspectral-segmentation, licence none stated; see that folder's SOURCES.md)",
    bands,
    normalisation: `int16 / 10000 (reflectance), then divided by the ${BANDS}-band cube max ${peak}`,
    crops: 'HR 32x32 at (row 10, col 68) and (row 58, col 68), held out from training (cols < 68)',
    degradation: 'MATLAB imresize bicubic x0.5 with antialiasing (@hsrkit/layers bicubicResize)',
    trainedSteps: previous + STEPS,
  });
  tf.dispose([heldOut, calib, scene]);
}

await main();
