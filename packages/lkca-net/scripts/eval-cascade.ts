// Scores a cascade of any-band models (src/model-cascade.ts; the shipped lkca-any-band-x8 is x4
// then x2) on the held-out crops of scripts/eval-any-band.ts, by the same protocol at the cascade's
// scale: the crop cut to a multiple of it, LR = MATLAB bicubic x1/s, the first stage on the LR in
// the file's units, each next stage on the one before's output; metrics after dividing by the HR
// peak, beside bicubic x s. Writes bench/results/any-band-x<s>/results.{json,md}; --record writes
// the scores into the cascade's cascade.json (what `lkca models` shows).
//   npx tsx --conditions=source packages/lkca-net/scripts/eval-cascade.ts [--model NAME|DIR] [--record]
// --stages a,b scores shipped models in that order instead (no cascade folder; with --out DIR), e.g.
// the other order: --stages lkca-any-band-x2,lkca-any-band-x4 --out bench/results/any-band-x8-x2-first
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import {
  bicubicUpsample,
  type Cube,
  computeMetrics,
  type MetricReport,
} from '@hsrkit/hsi-data/node';
import { AnyBandChain } from '../src/any-band/any-band-chain.js';
import type { AnyBandSR } from '../src/any-band/any-band-model.js';
import { loadAnyBandModel } from '../src/any-band/io-node.js';
import { prepareAnyBandScene } from '../src/any-band/patch-sampler.js';
import { CASCADE_FILE } from '../src/model-cascade.js';
import { resolveModel } from '../src/shipped-models.js';
import { ANY_BAND_SCENES, dataRoot, readScene } from './any-band-scenes.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'lkca-any-band-x8' },
    record: { type: 'boolean', default: false },
    stages: { type: 'string' },
    out: { type: 'string' },
  },
});
const root = fileURLToPath(new URL('../../..', import.meta.url));
const req = createRequire(import.meta.url);
wasm.setWasmPaths(
  `${join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
);
if (!(await tf.setBackend('wasm'))) throw new Error('eval-cascade: no wasm backend');

const named = args.stages?.split(',').map((n) => resolveModel(n));
if (named && args.record)
  throw new Error('eval-cascade: --record needs a cascade folder, not --stages');
const cascade = named
  ? {
      name: named.map((m) => m.name).join(' then '),
      path: '',
      scale: named.reduce((s, m) => s * m.scale, 1),
      params: named.reduce((n, m) => n + m.params, 0),
      stages: named,
      kind: 'cascade' as const,
    }
  : resolveModel(args.model);
if (cascade.kind !== 'cascade' || !cascade.stages)
  throw new Error(`eval-cascade: ${args.model} is not a cascade`);
if (cascade.stages.some((s) => s.kind !== 'any-band'))
  throw new Error('eval-cascade: scores cascades of any-band models');
const stages: AnyBandSR[] = [];
for (const s of cascade.stages) stages.push(await loadAnyBandModel(s.path));
const chain = new AnyBandChain(stages);
const S = chain.scale;
const run = async (lr: Cube, selfEnsemble: boolean) =>
  (await chain.predict(lr, { selfEnsemble })).data as Float32Array;
const pick = (m: MetricReport) => ({ mpsnr: m.mpsnr, mssim: m.mssim, sam: m.sam, ergas: m.ergas });
const rows = [];
for (const spec of ANY_BAND_SCENES) {
  if (spec.role !== 'held-out') continue;
  const sc = prepareAnyBandScene(spec.id, spec.sensor, await readScene(spec, dataRoot(root)), S);
  const [R, C, B] = [sc.rows, sc.cols, sc.bands];
  if (R < S || C < S) {
    console.log(`${spec.id}: ${R} x ${C} is smaller than x${S}: left out`);
    continue;
  }
  let peak = 0;
  for (const v of sc.hr) if (v > peak) peak = v;
  const lr: Cube = { rows: R / S, cols: C / S, bands: B, interleave: 'bip', data: sc.lr };
  const norm = (d: Float32Array | tf.Tensor3D) =>
    tf.tidy(
      () => tf.div(d instanceof tf.Tensor ? d : tf.tensor3d(d, [R, C, B]), peak) as tf.Tensor3D,
    );
  const gt = norm(sc.hr);
  const bic = norm(bicubicUpsample(tf.tensor3d(sc.lr, [R / S, C / S, B]), S) as tf.Tensor3D);
  const one = norm(await run(lr, false));
  const x8 = norm(await run(lr, true));
  const opts = { preset: 'sspsr' as const, scale: S };
  const r = {
    id: spec.id,
    sensor: spec.sensor,
    unseenSensor: spec.unseenSensor === true,
    shape: [R, C, B],
    bicubic: pick(await computeMetrics(gt, bic, opts)),
    model: pick(await computeMetrics(gt, one, opts)),
    modelSelfEnsemble: pick(await computeMetrics(gt, x8, opts)),
  };
  tf.dispose([gt, bic, one, x8]);
  rows.push(r);
  console.log(
    `${r.id}: MPSNR ${r.model.mpsnr.toFixed(3)} (x8 ${r.modelSelfEnsemble.mpsnr.toFixed(3)}, bicubic ${r.bicubic.mpsnr.toFixed(3)}) SAM ${r.model.sam.toFixed(3)} (x8 ${r.modelSelfEnsemble.sam.toFixed(3)}, bicubic ${r.bicubic.sam.toFixed(3)})`,
  );
}
const protocol = `whole held-out crops cut to multiples of ${S}; LR = MATLAB bicubic x1/${S} (hsi-data downsampleCube); the stages in order (${cascade.stages.map((s) => `x${s.scale} ${s.name}`).join(', then ')}), the first on the LR in the file units; metrics: hsi-data computeMetrics, sspsr preset, after dividing by the HR peak`;
const outDir = args.out
  ? join(root, 'packages/lkca-net', args.out)
  : join(root, `packages/lkca-net/bench/results/any-band-x${S}`);
await mkdir(outDir, { recursive: true });
await writeFile(
  join(outDir, 'results.json'),
  `${JSON.stringify({ model: cascade.name, scale: S, stages: cascade.stages.map((s) => s.name), params: cascade.params, protocol, scenes: rows }, null, 2)}\n`,
);
const f = (v: number, d = 3) => v.toFixed(d);
const sign = (v: number) => `${v >= 0 ? '+' : ''}${f(v, 2)}`;
await writeFile(
  join(outDir, 'results.md'),
  [
    `# Any-band x${S}: the cascade \`${cascade.name}\` on held-out crops`,
    '',
    `Generated by \`packages/lkca-net/scripts/eval-cascade.ts\`. ${protocol}. No crop was trained on by any stage (the crops of scripts/eval-any-band.ts; Gamsberg, 24 x 8 pixels, is 3 x 1 at LR: too small to say much).`,
    '',
    '| crop | sensor | H x W x B | MPSNR bicubic | MPSNR cascade | gain dB | x8 self-ensemble | SAM bicubic | SAM cascade | SAM x8 | MSSIM bicubic | MSSIM cascade |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.sensor} | ${r.shape.join(' x ')} | ${f(r.bicubic.mpsnr)} | ${f(r.model.mpsnr)} | ${sign(r.model.mpsnr - r.bicubic.mpsnr)} | ${f(r.modelSelfEnsemble.mpsnr)} (${sign(r.modelSelfEnsemble.mpsnr - r.bicubic.mpsnr)}) | ${f(r.bicubic.sam)} | ${f(r.model.sam)} | ${f(r.modelSelfEnsemble.sam)} | ${f(r.bicubic.mssim, 4)} | ${f(r.model.mssim, 4)} |`,
    ),
    '',
  ].join('\n'),
);
if (args.record) {
  const file = join(cascade.path, CASCADE_FILE);
  const json = JSON.parse(await readFile(file, 'utf8'));
  const heldOut: Record<string, number> = {};
  for (const r of rows) {
    heldOut[`${r.id} mpsnr`] = r.model.mpsnr;
    heldOut[`${r.id} mpsnr bicubic`] = r.bicubic.mpsnr;
    heldOut[`${r.id} sam`] = r.model.sam;
    heldOut[`${r.id} sam bicubic`] = r.bicubic.sam;
  }
  json.training = { protocol, heldOut };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`recorded the scores in ${file}`);
}
chain.dispose();
