// Scores demo models on the two quadrants of the demo scene the demo model never trained on: the
// bottom-left one (its validation part, used to keep the best weights) and the bottom-right one
// that `lkca demo` shows (never used), each with one pass and with the x8 self-ensemble, beside
// bicubic, on the same path as `lkca demo` (src/run-demo.ts -> src/evaluate.ts). Writes
// bench/results/demo-model-scores.json (and .md). Any-band and band-specific (31-band) models alike.
//   npx tsx --conditions=source packages/lkca-net/scripts/score-demo-model.ts [--record] [MODEL_DIR ...]
// Without folders: every shipped model that can take the scene. --record writes each model's one-pass
// scores on the demo quadrant, beside bicubic's, into its folder (any-band.json, or model.json's
// hsrkit metadata): what `lkca models` shows, so all shipped models are scored the same way.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropCube } from '@hsrkit/hsi-data/node';
import { loadModel, selectRuntime } from '@hsrkit/inference/node';
import { ANY_BAND_CONFIG_FILE, loadAnyBandModel } from '../src/any-band/io-node.js';
import {
  DEMO_HOLD_OUT,
  DEMO_MODEL_PATH,
  DEMO_SCALE,
  DEMO_VALIDATION,
  readDemoScene,
} from '../src/demo-scene.js';
import { evaluateScene } from '../src/evaluate.js';
import { listShippedModels } from '../src/shipped-models.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const record = args.includes('--record');
const folders = args.filter((a) => a !== '--record');
const info = await selectRuntime('wasm');
const scene = await readDemoScene();
const models = folders.length
  ? folders
  : listShippedModels()
      .filter((m) => m.scale === DEMO_SCALE && (m.bands === 'any' || m.bands === scene.bands))
      .map((m) => m.path);
const HELD_OUT_ON = 'the demo quadrant (rows 128-255, cols 128-255), one pass';
const parts = [
  {
    part: "bottom-left quadrant (the demo model's validation)",
    gt: cropCube('demo bottom-left', scene, DEMO_VALIDATION),
  },
  {
    part: 'bottom-right quadrant (the demo, never used)',
    gt: cropCube('demo', scene, DEMO_HOLD_OUT),
  },
];
const rows = [];
for (const dir of models) {
  const anyBand = existsSync(join(dir, ANY_BAND_CONFIG_FILE));
  const model = anyBand ? await loadAnyBandModel(dir) : await loadModel(dir);
  try {
    // The band-specific models trained on the whole scene but the demo quadrant (the bottom-left
    // one included): only the demo quadrant is held out for them.
    for (const { part, gt } of anyBand ? parts : parts.slice(1))
      for (const selfEnsemble of [false, true]) {
        const ev = await evaluateScene(model, gt, { scale: DEMO_SCALE, selfEnsemble });
        const row = {
          model: dir === DEMO_MODEL_PATH ? 'lkca-any-band-x4-cave (shipped)' : relative(root, dir),
          part,
          selfEnsemble,
          mpsnr: ev.metrics.mpsnr,
          sam: ev.metrics.sam,
          bicubicMpsnr: ev.bicubicMetrics.mpsnr,
          bicubicSam: ev.bicubicMetrics.sam,
        };
        rows.push(row);
        console.log(
          `${basename(dir)} ${part} ${selfEnsemble ? 'x8' : '1 pass'}: ${row.mpsnr.toFixed(3)} dB / SAM ${row.sam.toFixed(3)} (bicubic ${row.bicubicMpsnr.toFixed(3)} / ${row.bicubicSam.toFixed(3)})`,
        );
      }
    if (record) await recordScores(dir, anyBand, rows.at(-2)!);
  } finally {
    model.dispose();
  }
}

/** Writes one model's one-pass demo-quadrant scores into its folder (see the header). */
async function recordScores(
  dir: string,
  anyBand: boolean,
  r: {
    part: string;
    selfEnsemble: boolean;
    mpsnr: number;
    sam: number;
    bicubicMpsnr: number;
    bicubicSam: number;
  },
) {
  if (r.selfEnsemble || !r.part.startsWith('bottom-right'))
    throw new Error('not the one-pass demo row');
  const heldOut = {
    mpsnr: r.mpsnr,
    sam: r.sam,
    bicubicMpsnr: r.bicubicMpsnr,
    bicubicSam: r.bicubicSam,
  };
  const file = join(dir, anyBand ? ANY_BAND_CONFIG_FILE : 'model.json');
  const json = JSON.parse(await readFile(file, 'utf8'));
  const training = anyBand ? json.training : json.userDefinedMetadata.hsrkit.training;
  if (Object.keys(training.heldOut ?? {}).some((k) => k.endsWith(' mpsnr'))) {
    // Scored on several sensors' held-out crops (scripts/eval-any-band.ts): that record stays.
    console.log(`${relative(root, file)}: keeps its held-out scores of several scenes`);
    return;
  }
  training.heldOutOn = HELD_OUT_ON;
  training.heldOut = heldOut;
  await writeFile(file, anyBand ? `${JSON.stringify(json, null, 2)}\n` : JSON.stringify(json));
  console.log(`${relative(root, file)}: recorded ${JSON.stringify(heldOut)}`);
}
const out = join(root, 'bench/results/demo-model-scores');
await writeFile(
  `${out}.json`,
  `${JSON.stringify({ backend: info.backend, scale: DEMO_SCALE, rows, date: new Date().toISOString() }, null, 2)}\n`,
);
const md = [
  "# The demo scene's x4 models on the two quadrants the demo model never trained on (beside bicubic)",
  '',
  'Written by `scripts/score-demo-model.ts`. x8: the geometric self-ensemble `lkca demo` runs by default.',
  '',
  '| model | part | pass | MPSNR (dB) | vs bicubic | SAM (deg) | bicubic SAM |',
  '|---|---|---|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.model} | ${r.part} | ${r.selfEnsemble ? 'x8' : '1'} | ${r.mpsnr.toFixed(3)} | ${(r.mpsnr - r.bicubicMpsnr >= 0 ? '+' : '') + (r.mpsnr - r.bicubicMpsnr).toFixed(3)} | ${r.sam.toFixed(3)} | ${r.bicubicSam.toFixed(3)} |`,
  ),
  '',
];
await writeFile(`${out}.md`, md.join('\n'));
