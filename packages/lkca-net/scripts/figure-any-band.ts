// The root README's picture of the any-band model on a sensor it never trained on: the Samson crop
// (SAMSON, 156 bands), x4 by the protocol of scripts/eval-any-band.ts (LR = MATLAB bicubic x1/4 of
// the crop, the model on the LR in the file's units). Top row: LR (nearest), bicubic, the model,
// the ground truth, false colour with one stretch (the ground truth's); bottom row: each pixel's
// spectral angle to the ground truth for bicubic and the model, on one scale (black 0, white at
// bicubic's 99th percentile), so where spectra got better shows. Writes docs/any-band-samson.png
// and prints the scores, and the mean angles over the darkest 30 % of the pixels and the rest.
//   npx tsx --conditions=source packages/lkca-net/scripts/figure-any-band.ts [--model DIR]
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import {
  bicubicUpsample,
  composeGrid,
  computeMetrics,
  type Cube,
  falseColor,
  type RgbImage,
  scalarMapImage,
  spectralAngleMap,
  writePng,
} from '@hsrkit/hsi-data/node';
import { loadAnyBandModel } from '../src/any-band/io-node.js';
import { prepareAnyBandScene } from '../src/any-band/patch-sampler.js';
import { ANY_BAND_SCENES, dataRoot, readScene } from './any-band-scenes.js';

const { values: args } = parseArgs({
  options: { model: { type: 'string' }, scene: { type: 'string', default: 'samson' } },
});
const root = fileURLToPath(new URL('../../..', import.meta.url));
const modelDir = resolve(
  args.model ?? join(root, 'packages/lkca-net/assets/models/lkca-any-band-x4'),
);
const req = createRequire(import.meta.url);
wasm.setWasmPaths(
  `${join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
);
if (!(await tf.setBackend('wasm'))) throw new Error('figure-any-band: no wasm backend');

const model = await loadAnyBandModel(modelDir);
const scale = model.scale;
const spec = ANY_BAND_SCENES.find((s) => s.id === args.scene);
if (!spec) throw new Error(`figure-any-band: no scene '${args.scene}' in any-band-scenes.ts`);
const sc = prepareAnyBandScene(spec.id, spec.sensor, await readScene(spec, dataRoot(root)), scale);
const [rows, cols, bands] = [sc.rows, sc.cols, sc.bands];
const cube = (data: Float32Array, r = rows, c = cols): Cube => ({
  rows: r,
  cols: c,
  bands,
  interleave: 'bip',
  data,
});
const lr = cube(sc.lr, rows / scale, cols / scale);
const sr = (await model.predict(lr)).data as Float32Array;
const bicT = bicubicUpsample(tf.tensor3d(sc.lr, [rows / scale, cols / scale, bands]), scale);
const bic = (await bicT.data()) as Float32Array;
bicT.dispose();

/** Each pixel's spectral angle (degrees) between `a` and the ground truth (sspsr's rule). */
const angleMap = async (a: Float32Array) => (await spectralAngleMap(cube(sc.hr), cube(a))).data;

/** Nearest-neighbour enlargement by an integer factor (the crops are small). */
function enlarge(im: RgbImage, k: number): RgbImage {
  const data = new Uint8Array(im.width * k * im.height * k * 4);
  for (let y = 0; y < im.height * k; y++)
    for (let x = 0; x < im.width * k; x++) {
      const from = (Math.floor(y / k) * im.width + Math.floor(x / k)) * 4;
      data.set(im.data.subarray(from, from + 4), (y * im.width * k + x) * 4);
    }
  return { width: im.width * k, height: im.height * k, data };
}

const gtView = await falseColor(cube(sc.hr));
const [lrView, bicView, srView] = await Promise.all(
  [lr, cube(bic), cube(sr)].map((c) => falseColor(c, { stretch: gtView.stretch })),
);
const samBic = await angleMap(bic);
const samSr = await angleMap(sr);
const top = [...samBic].sort((a, b) => a - b)[Math.floor(0.99 * (samBic.length - 1))];
const k = 3;
const images = [
  enlarge(lrView.image, k * scale),
  enlarge(bicView.image, k),
  enlarge(srView.image, k),
  enlarge(gtView.image, k),
  enlarge(scalarMapImage({ rows, cols, data: samBic }, { max: top }), k),
  enlarge(scalarMapImage({ rows, cols, data: samSr }, { max: top }), k),
];
const out = join(root, 'docs', `any-band-${spec.id}.png`);
await writePng(out, composeGrid(images, { columns: 4, border: 6 }));

// The numbers beside the picture, by the protocol of eval-any-band.ts (data divided by the HR peak).
let peak = 0;
for (const v of sc.hr) if (v > peak) peak = v;
const norm = (d: Float32Array) => tf.tidy(() => tf.div(tf.tensor3d(d, [rows, cols, bands]), peak));
const [gtT, bT, sT] = [norm(sc.hr), norm(bic), norm(sr)];
const opts = { preset: 'sspsr' as const, scale };
const mb = await computeMetrics(gtT, bT, opts);
const ms = await computeMetrics(gtT, sT, opts);
tf.dispose([gtT, bT, sT]);
const mean = (m: Float32Array) => m.reduce((a, b) => a + b, 0) / m.length;
// Where the spectra get better: the darkest 30 % of the pixels (by mean ground-truth value) and the rest.
const brightness = Array.from({ length: rows * cols }, (_, p) => {
  let sum = 0;
  for (let b = 0; b < bands; b++) sum += sc.hr[p * bands + b];
  return sum / bands;
});
const darkTop = [...brightness].sort((a, b) => a - b)[Math.floor(0.3 * brightness.length)];
for (const [part, inPart] of [
  ['darkest 30 %', (p: number) => brightness[p] <= darkTop],
  ['the rest', (p: number) => brightness[p] > darkTop],
] as const) {
  let [sumB, sumS, n, better] = [0, 0, 0, 0];
  for (let p = 0; p < rows * cols; p++)
    if (inPart(p)) {
      sumB += samBic[p];
      sumS += samSr[p];
      n++;
      if (samSr[p] < samBic[p]) better++;
    }
  console.log(
    `${part} (${n} pixels): mean angle bicubic ${(sumB / n).toFixed(3)}, model ${(sumS / n).toFixed(3)} deg; the model lower on ${((100 * better) / n).toFixed(1)} %`,
  );
}
console.log(
  `${out}: ${spec.id} ${rows} x ${cols} x ${bands}; bicubic ${mb.mpsnr.toFixed(3)} dB / SAM ${mb.sam.toFixed(3)}, ${model.config.name} ${ms.mpsnr.toFixed(3)} dB / SAM ${ms.sam.toFixed(3)}; per-pixel angle maps: mean ${mean(samBic).toFixed(3)} vs ${mean(samSr).toFixed(3)} deg, white at ${top.toFixed(2)} deg`,
);
