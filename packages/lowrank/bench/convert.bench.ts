// Bench: low-rank conversion of the upsampler of three trained SR models (the LKCA-Net-like
// fixture, and the published EDSR-baseline and ESPCN trained by scripts/train-published.ts), timed
// on the WASM backend, original vs converted in the same run. Writes bench/results/convert.json
// and convert.md.
// Run: npm run bench -w @hsrkit/lowrank   (or: npx tsx --conditions=source bench/convert.bench.ts)
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@hsrkit/layers';
import { convertModel } from '../src/convert.js';
import { hasGain } from '../src/factorization-gain.js';
import { analyzeLayer, findUpsamplers, type LayerPlan } from '../src/index.js';
import { loadModelFromFile } from '../test/node-io.js';
import { seededValues } from '@hsrkit/testing';
import { useBackend } from '@hsrkit/testing/node';

const here = new URL('..', import.meta.url).pathname;
const quick = process.env.HSRKIT_BENCH_QUICK === '1';

/** Bytes of model.json + weights as tf.io would save them. */
async function savedBytes(model: tf.LayersModel): Promise<number> {
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const w = a.weightData as ArrayBuffer;
      bytes =
        w.byteLength +
        JSON.stringify({
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        }).length;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return bytes;
}

/** Median ms of predict + read-back, the two models interleaved so both see the same machine. */
async function timePair(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor, runs: number) {
  const once = async (m: tf.LayersModel) => {
    const t0 = performance.now();
    const y = m.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) {
    await once(a);
    await once(b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    ta.push(await once(a));
    tb.push(await once(b));
  }
  const med = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
  return { original: med(ta), converted: med(tb) };
}

/** Deterministic inputs in [0, 1). */
function seeded(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    seededValues(n, seed).map((v) => (v + 1) / 2),
    shape,
  );
}

interface Case {
  model: string;
  paper: string;
  weights: string;
  build: () => Promise<tf.LayersModel>;
  calibration: tf.Tensor;
  /** Scene of the held-out calibration batch (never used in training). */
  calibrationName: string;
  timingInput: number[];
}

async function main() {
  await useBackend('wasm');
  const readBatch = async (base: string) => {
    const meta = JSON.parse(await readFile(`${base}.json`, 'utf8'));
    const raw = await readFile(`${base}.bin`);
    const data = new Float32Array(
      raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
    );
    return { meta, batch: tf.tensor4d(data, meta.shape) };
  };
  const jasper = await readBatch(`${here}fixtures/jasper-lr-calibration`);
  const samson = await readBatch(`${here}fixtures/samson-lr-calibration`);
  const trainedOn = async (dir: string) => {
    const t = JSON.parse(await readFile(`${here}fixtures/${dir}/training.json`, 'utf8'));
    return `trained ${t.trainedSteps} Adam steps on Samson (scripts/train-published.ts; held-out PSNR vs HR ${t.heldOutPsnrDb.toFixed(2)} dB, bicubic ${t.heldOutBicubicPsnrDb.toFixed(2)} dB)`;
  };
  // The published architectures, trained on Samson by scripts/train-published.ts.
  const published = async (
    model: string,
    paper: string,
    dir: string,
    timingInput: number[],
  ): Promise<Case> => ({
    model,
    paper,
    weights: await trainedOn(dir),
    build: () => loadModelFromFile(`${here}fixtures/${dir}/model.json`),
    calibration: samson.batch,
    calibrationName: 'Samson',
    timingInput,
  });
  const cases: Case[] = [
    {
      model: 'lkca-mini x2 (31 bands)',
      paper: 'LKCA-Net layout (arXiv 2501.18664), 2 LKBs, this repo fixture',
      weights: `trained ${jasper.meta.trainedSteps} Adam steps on Jasper Ridge (scripts/train-fixture.ts)`,
      build: () => loadModelFromFile(`${here}fixtures/lkca-mini/model.json`),
      calibration: jasper.batch,
      calibrationName: 'Jasper Ridge',
      timingInput: [1, 64, 64, 31],
    },
    await published(
      'EDSR-baseline x2 (31 bands)',
      'Lim et al. 2017, EDSR-baseline (16 res blocks, 64 feats), bench/models.ts',
      'edsr-x2',
      [1, 48, 48, 31],
    ),
    await published(
      'ESPCN x2 (31 bands)',
      'Shi et al. 2016, ESPCN (5x5 64, 3x3 32, 3x3 C*s^2 + shuffle), bench/models.ts',
      'espcn-x2',
      [1, 64, 64, 31],
    ),
  ];
  const rows: Record<string, unknown>[] = [];
  for (const c of cases) {
    const model = await c.build();
    const ups = findUpsamplers(model);
    const upName = ups[0].layer;
    const analysis = await analyzeLayer(model.getLayer(upName), { energies: [0.9, 0.99] });
    const before = analysis.params;
    // The rank that makes the upsampler 5x smaller: params(r) = r*(k*k*Cin + Cout) + Cout.
    const [rows0, cols0] = analysis.matrixShape;
    const r5 = Math.max(1, Math.floor((before / 5 - cols0) / (rows0 + cols0)));
    const plans: [string, LayerPlan][] = [
      ['svd full rank', { layer: upName, rank: analysis.fullRank }],
      ['svd energy 0.99', { layer: upName, energy: 0.99 }],
      ['svd energy 0.9', { layer: upName, energy: 0.9 }],
      ['svd 5x smaller', { layer: upName, rank: r5 }],
      ['group g=4 (LKCA-LR)', { layer: upName, method: 'group', groups: 4 }],
    ];
    const x = seeded(c.timingInput, 7);
    const originalBytes = await savedBytes(model);
    for (const [label, plan] of plans) {
      // The factorization is measured even where it does not pay (full rank, 0.99 energy):
      // `lowRankConvert` column says what the library does with it (keeps the layer then).
      const { model: m, report } = await convertModel(
        model,
        { layers: [plan] },
        { calibration: c.calibration },
        'swap-always',
      );
      const times = await timePair(model, m, x, quick ? 3 : c.model.startsWith('EDSR') ? 7 : 15);
      const l = report.layers[0];
      const row = {
        model: c.model,
        paper: c.paper,
        weights: c.weights,
        calibration: c.calibrationName,
        upsampler: upName,
        plan: label,
        rank: l.rank,
        lowRankConvert: hasGain(l.comparison) ? 'converted' : 'kept (no gain)',
        fullRank: analysis.fullRank,
        retainedEnergy: l.retainedEnergy,
        upsamplerParamsBefore: l.paramsBefore,
        upsamplerParamsAfter: l.paramsAfter,
        upsamplerParamsRatio: l.paramsBefore / l.paramsAfter,
        modelParamsBefore: report.paramsBefore,
        modelParamsAfter: report.paramsAfter,
        savedBytesBefore: originalBytes,
        savedBytesAfter: await savedBytes(m),
        inferenceMsBefore: times.original,
        inferenceMsAfter: times.converted,
        speedup: times.original / times.converted,
        timingInput: c.timingInput,
        psnrVsOriginal: report.output![0].psnr,
        maxAbsVsOriginal: report.output![0].maxAbs,
      };
      rows.push(row);
      console.log(
        `${c.model} | ${label}: r=${l.rank ?? '-'} params ${l.paramsBefore} -> ${l.paramsAfter} (${row.upsamplerParamsRatio.toFixed(2)}x), ` +
          `${times.original.toFixed(1)} -> ${times.converted.toFixed(1)} ms (${row.speedup.toFixed(2)}x), PSNR ${row.psnrVsOriginal.toFixed(2)} dB`,
      );
      m.dispose();
    }
    model.dispose();
    x.dispose();
  }
  const result = {
    backend: tf.getBackend(),
    node: process.version,
    date: new Date().toISOString(),
    note: 'Times are medians of predict()+data() on the tfjs WASM backend (XNNPACK, no threads), original and converted interleaved in the same run. PSNR is the converted model output against the original model output on a held-out calibration batch of two 16x16x31 LR patches from the scene the model was trained on, from columns never cropped in training (Jasper Ridge for lkca-mini, Samson for EDSR/ESPCN; peak = max-min of the original output). All three models are trained.',
    rows,
  };
  const md = [
    `# Low-rank conversion bench (${result.backend}, Node ${result.node}, ${result.date})`,
    '',
    result.note,
    '',
    '| model | weights | plan | rank | lowRankConvert | energy kept | upsampler params | ratio | model params | saved bytes | ms before | ms after | speedup | PSNR vs original (dB) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r: any) =>
        `| ${r.model} | ${r.weights.replace(/ \(.*$/, '')} | ${r.plan} | ${r.rank ?? '-'} / ${r.fullRank} | ${r.lowRankConvert} | ${(100 * r.retainedEnergy).toFixed(1)} % | ${r.upsamplerParamsBefore} -> ${r.upsamplerParamsAfter} | ${r.upsamplerParamsRatio.toFixed(2)}x | ${r.modelParamsBefore} -> ${r.modelParamsAfter} | ${r.savedBytesBefore} -> ${r.savedBytesAfter} | ${r.inferenceMsBefore.toFixed(1)} | ${r.inferenceMsAfter.toFixed(1)} | ${r.speedup.toFixed(2)}x | ${Number.isFinite(r.psnrVsOriginal) ? r.psnrVsOriginal.toFixed(2) : 'inf'} |`,
    ),
    '',
    ...cases.map(
      (c) =>
        `- ${c.model}: ${c.paper}; weights ${c.weights}; calibration: held-out ${c.calibrationName} patches; timing input [${c.timingInput}].`,
    ),
    '',
  ].join('\n');
  const out = `${here}bench/results/convert`;
  await writeFile(`${out}.json.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${out}.json.tmp`, `${out}.json`);
  await writeFile(`${out}.md.tmp`, md);
  await rename(`${out}.md.tmp`, `${out}.md`);
  console.log(`wrote ${out}.json and ${out}.md`);
  tf.dispose([jasper.batch, samson.batch]);
}

await main();
