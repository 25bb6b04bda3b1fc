// Writes docs/espcn-x2-spectrum.svg and docs/edsr-x2-spectrum.svg: the singular-value spectrum of
// each trained published model's upsampler (fixtures/*-x2, from scripts/train-published.ts) next
// to the same layer at its seeded random initialisation (bench/models.ts), and prints the analyses.
// Run: npx tsx --conditions=source scripts/plot-published-spectra.ts
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@hsrkit/layers';
import { edsrBaseline, espcn } from '../bench/models.js';
import { analyzeLayer, type LayerAnalysis, plotSpectrumSvg } from '../src/index.js';
import { loadModelFromFile } from '../test/node-io.js';

const here = new URL('..', import.meta.url).pathname;
await tf.setBackend('cpu');
const cases = [
  { dir: 'espcn-x2', name: 'ESPCN x2', fresh: () => espcn(31, 2), inputShape: [16, 16, 32] },
  {
    dir: 'edsr-x2',
    name: 'EDSR-baseline x2',
    fresh: () => edsrBaseline(31),
    inputShape: [16, 16, 64],
  },
];
for (const c of cases) {
  const training = JSON.parse(await readFile(`${here}fixtures/${c.dir}/training.json`, 'utf8'));
  const trained = await loadModelFromFile(`${here}fixtures/${c.dir}/model.json`);
  const fresh = c.fresh();
  const opts = { inputShape: c.inputShape };
  const a = await analyzeLayer(trained.getLayer('upsampler'), opts);
  const b = await analyzeLayer(fresh.getLayer('upsampler'), opts);
  const label = (x: LayerAnalysis, what: string) => ({ ...x, layer: `${what} ${x.layer}` });
  const [rows, cols] = a.matrixShape;
  const svg = plotSpectrumSvg(
    [label(a, `trained (${training.trainedSteps} Adam steps, Samson)`), label(b, 'random init')],
    { title: `${c.name} (31 bands) upsampler, ${rows} x ${cols} matrix: ${a.reshape}` },
  );
  const out = `${here}docs/${c.dir}-spectrum.svg`;
  await writeFile(`${out}.tmp`, svg);
  await rename(`${out}.tmp`, out);
  for (const x of [a, b])
    console.log(
      `${c.name} ${x === a ? 'trained' : 'random'}: full rank ${x.fullRank}, knee ${x.knee}, ${x.ranks.map((r) => `r(${r.energy})=${r.rank} -> ${r.params} params`).join(', ')}; params ${x.params}`,
    );
  console.log(`wrote ${out}`);
  trained.dispose();
  fresh.dispose();
}
