// Scores demo models on the two quadrants of the demo scene the demo model never trained on: the
// bottom-left one (its validation part, used to keep the best weights) and the bottom-right one
// that `lkca demo` shows (never used), each with one pass and with the x8 self-ensemble, beside
// bicubic, on the same path as `lkca demo` (src/run-demo.ts -> src/evaluate.ts). Writes
// bench/results/demo-model-scores.json (and .md).
//   npx tsx --conditions=source packages/lkca-net/scripts/score-demo-model.ts [MODEL_DIR ...]
// Without arguments: the shipped demo model.
import { writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropCube } from '@hsrkit/hsi-data/node';
import { selectRuntime } from '@hsrkit/inference/node';
import { loadAnyBandModel } from '../src/any-band/io-node.js';
import {
  DEMO_HOLD_OUT,
  DEMO_MODEL_PATH,
  DEMO_SCALE,
  DEMO_VALIDATION,
  readDemoScene,
} from '../src/demo-scene.js';
import { evaluateScene } from '../src/evaluate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const models = process.argv.length > 2 ? process.argv.slice(2) : [DEMO_MODEL_PATH];
const info = await selectRuntime('wasm');
const scene = await readDemoScene();
const parts = [
  {
    part: 'bottom-left quadrant (validation)',
    gt: cropCube('demo bottom-left', scene, DEMO_VALIDATION),
  },
  {
    part: 'bottom-right quadrant (the demo, never used)',
    gt: cropCube('demo', scene, DEMO_HOLD_OUT),
  },
];
const rows = [];
for (const dir of models) {
  const model = await loadAnyBandModel(dir);
  try {
    for (const { part, gt } of parts)
      for (const selfEnsemble of [false, true]) {
        const ev = await evaluateScene(model, gt, { scale: DEMO_SCALE, selfEnsemble });
        const row = {
          model:
            dir === DEMO_MODEL_PATH
              ? 'lkca-any-band-x4-cave (shipped)'
              : relative(process.cwd(), dir),
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
  } finally {
    model.dispose();
  }
}
const out = join(root, 'bench/results/demo-model-scores');
await writeFile(
  `${out}.json`,
  `${JSON.stringify({ backend: info.backend, scale: DEMO_SCALE, rows, date: new Date().toISOString() }, null, 2)}\n`,
);
const md = [
  '# Demo model on the two quadrants it never trained on (x4, beside bicubic)',
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
