// Writes docs/upsampler-spectrum.svg: the singular-value spectrum of the trained fixture's
// upsampler next to the same layer at its (seeded) random initialisation, and prints the analysis.
// Run: npx tsx --conditions=source scripts/plot-fixture-spectrum.ts
import { rename, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { analyzeLayer, plotSpectrumSvg } from '../src/index.js';
import { loadModelFromFile } from '../test/node-io.js';
import { buildLkcaMini } from './lkca-mini.js';

const here = new URL('..', import.meta.url).pathname;
await tf.setBackend('cpu');
const trained = await loadModelFromFile(`${here}fixtures/lkca-mini/model.json`);
const a = await analyzeLayer(trained.getLayer('upsampler'), { inputShape: [16, 16, 64] });
const fresh = buildLkcaMini();
const b = await analyzeLayer(fresh.getLayer('upsampler'), { inputShape: [16, 16, 64] });
const label = (x: typeof a, what: string) => ({ ...x, layer: `${what} ${x.layer}` });
const svg = plotSpectrumSvg([label(a, 'trained'), label(b, 'random init')], {
  title: `Upsampler Conv3x3(64 -> 124) of the fixture: ${a.reshape}`,
});
const out = `${here}docs/upsampler-spectrum.svg`;
await writeFile(`${out}.tmp`, svg);
await rename(`${out}.tmp`, out);
for (const x of [a, b])
  console.log(
    `${x.layer}: full rank ${x.fullRank}, knee ${x.knee}, ${x.ranks.map((r) => `r(${r.energy})=${r.rank} -> ${r.params} params`).join(', ')}; params ${x.params}, MACs ${x.macs}`,
  );
console.log(`wrote ${out}`);
