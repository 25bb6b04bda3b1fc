// Trains the small LKCA-Net-like fixture model on real Jasper Ridge patches and saves it into
// fixtures/ (with a held-out calibration batch). Random weights are not low-rank; trained ones
// are, and that is what the tests measure.
// Run: npx tsx --conditions=source scripts/train-fixture.ts [steps] [resume]
// 'resume' continues from the saved fixture (fresh Adam state) and adds its steps to the count.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { bicubicResize, registerWasmTrainingKernels } from '@hsrkit/layers';
import { useBackend } from '@hsrkit/testing/node';
import { loadModelFromFile, saveModelToDir } from '../test/node-io.js';
import { buildLkcaMini } from './lkca-mini.js';
import { evenBands, JASPER_SHAPE, readJasper } from './jasper.js';

const BANDS = 31;
const SCALE = 2;
const HR = 32;
const BATCH = 8;
const STEPS = Number(process.argv[2] ?? 300);
const TRAIN_COLS = 68; // columns [0, 68) train; [68, 100) are held out for calibration
const here = new URL('..', import.meta.url).pathname;

/** Deterministic generator (mulberry32): the same crops every run (the LKB initialisers are unseeded). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main() {
  await useBackend('wasm');
  registerWasmTrainingKernels();
  const { lines, samples } = JASPER_SHAPE;
  const bands = evenBands(BANDS);
  const cube = await readJasper(bands);
  let peak = 0;
  for (const v of cube) peak = Math.max(peak, v);
  for (let i = 0; i < cube.length; i++) cube[i] /= peak;
  const scene = tf.tensor4d(cube, [1, lines, samples, BANDS]);
  const dir = join(here, 'fixtures', 'lkca-mini');
  const base = join(here, 'fixtures', 'jasper-lr-calibration');
  const resume = process.argv[3] === 'resume';
  const previous = resume ? JSON.parse(await readFile(`${base}.json`, 'utf8')).trainedSteps : 0;
  const rand = rng(2025 + previous);
  const crop = (x0: number, y0: number, k: number) =>
    tf.tidy(() => {
      let p = tf.slice(scene, [0, y0, x0, 0], [1, HR, HR, BANDS]);
      if (k & 1) p = tf.reverse(p, 2);
      if (k & 2) p = tf.reverse(p, 1);
      if (k & 4) p = tf.transpose(p, [0, 2, 1, 3]);
      return p;
    });
  const model = resume ? await loadModelFromFile(join(dir, 'model.json')) : buildLkcaMini();
  const optimizer = tf.train.adam(1e-3);
  const t0 = Date.now();
  for (let step = 1; step <= STEPS; step++) {
    const hr = tf.tidy(() =>
      tf.concat(
        Array.from({ length: BATCH }, () =>
          crop(
            Math.floor(rand() * (TRAIN_COLS - HR + 1)),
            Math.floor(rand() * (lines - HR + 1)),
            Math.floor(rand() * 8),
          ),
        ),
      ),
    ) as tf.Tensor4D;
    const lr = bicubicResize(hr, { scale: 1 / SCALE });
    const loss = optimizer.minimize(
      () => tf.mean(tf.abs(tf.sub(model.apply(lr) as tf.Tensor, hr))) as tf.Scalar,
      true,
    );
    if (step % 25 === 0 || step === 1)
      console.log(
        `step ${step}/${STEPS} L1 ${(await loss!.data())[0].toFixed(5)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    tf.dispose([hr, lr, loss!]);
  }
  const bytes = await saveModelToDir(model, dir);
  console.log(`saved ${dir} (${bytes} bytes)`);
  // Held-out calibration batch: two LR patches from columns [68, 100).
  const calib = tf.tidy(() =>
    bicubicResize(tf.concat([crop(TRAIN_COLS, 10, 0), crop(TRAIN_COLS, 58, 0)]) as tf.Tensor4D, {
      scale: 1 / SCALE,
    }),
  );
  const data = (await calib.data()) as Float32Array;
  await writeFile(`${base}.bin.tmp`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  await rename(`${base}.bin.tmp`, `${base}.bin`);
  const meta = {
    shape: calib.shape,
    dtype: 'float32',
    byteOrder: 'little-endian',
    source:
      'Jasper Ridge (AVIRIS), /work/shared/data/hsi/pekalam-hyperspectral-segmentation/jasperRidge2_R198.img ' +
      "(github pekalam/hyperspectral-segmentation, licence none stated; see that folder's SOURCES.md)",
    bands,
    normalisation: `int16 / 10000 (reflectance), then divided by the ${BANDS}-band cube max ${peak}`,
    crops: 'HR 32x32 at (row 10, col 68) and (row 58, col 68), held out from training (cols < 68)',
    degradation: 'MATLAB imresize bicubic x0.5 with antialiasing (@hsrkit/layers bicubicResize)',
    trainedSteps: previous + STEPS,
  };
  await writeFile(`${base}.json.tmp`, `${JSON.stringify(meta, null, 2)}\n`);
  await rename(`${base}.json.tmp`, `${base}.json`);
  tf.dispose([calib, scene]);
}

await main();
