#!/usr/bin/env node
// Consumer test: how users meet us. Packs every published package, installs the tarballs plus
// @tensorflow/tfjs into a fresh project outside the workspace, and runs a script there that builds
// an LKCA-Net, compresses its upsampler, saves/loads it and super-resolves a real cube on wasm, and
// upscales the same cube with a plain ESPCN through @hsrkit/inference alone (both entries), on two
// worker threads started from the packed dist.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = ['layers', 'hsi-data', 'lowrank', 'distill', 'inference', 'queue', 'lkca-net'];
const work = mkdtempSync(join(tmpdir(), 'hsrkit-consumer-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
try {
  run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], root);
  const tarballs = packages.map((p) => {
    const out = run(
      'npm',
      ['pack', '--silent', '--pack-destination', work],
      join(root, 'packages', p),
    )
      .trim()
      .split('\n')
      .pop();
    return join(work, out);
  });
  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const tfjs = JSON.parse(
    run('node', ['-p', "JSON.stringify(require('@tensorflow/tfjs/package.json').version)"], root),
  );
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      ...tarballs,
      `@tensorflow/tfjs@${tfjs}`,
      `@tensorflow/tfjs-backend-wasm@${tfjs}`,
    ],
    app,
  );
  writeFileSync(
    join(app, 'main.mjs'),
    `
import * as tf from '@tensorflow/tfjs';
import { lkcaNet, selectRuntime, saveModel, loadModel, modelCost, upscaleFile, modelTileRunner, DEMO_SCENE_PATH } from '@hsrkit/lkca-net/node';
import { lkcaNet as lkcaNetInBrowsers, evaluateScene } from '@hsrkit/lkca-net';
import { lowRankConvert, findUpsamplers } from '@hsrkit/lowrank';
import { readCube, cropCube, writeCube, cubeInfo } from '@hsrkit/hsi-data/node';
import { PixelShuffle } from '@hsrkit/layers';
import { decaySchedules } from '@hsrkit/distill';
import { MemorySink, memorySource, modelTileRunner as inThisThread, upscaleTiled } from '@hsrkit/inference';
import { saveModel as saveAny, upscaleFileWithModel } from '@hsrkit/inference/node';

const info = await selectRuntime('wasm');
const model = lkcaNet({ bands: 31, scale: 2, channels: 16, blocks: 2, reduction: 4 });
const cost = modelCost(model, [32, 32]);
const { model: small, report } = await lowRankConvert(model, { layers: findUpsamplers(model).map((u) => ({ layer: u.layer, method: 'svd', rank: 8 })) });
await saveModel(small, 'compressed');
const loaded = await loadModel('compressed');
const scene = await readCube(DEMO_SCENE_PATH);
await writeCube('crop.npy', cropCube('scene', scene, { row: 0, col: 0, rows: 24, cols: 20 }));
const res = await upscaleFile('crop.npy', 'sr.npy', { model: loaded, runner: modelTileRunner(loaded), tile: 16, overlap: 4 });
const out = await cubeInfo('sr.npy');
if (out.rows !== 48 || out.cols !== 40 || out.bands !== 31) throw new Error('unexpected output ' + JSON.stringify(out));
if (!(report.paramsAfter < report.paramsBefore)) throw new Error('not compressed');
if (typeof decaySchedules !== 'object' || !PixelShuffle.className || lkcaNetInBrowsers !== lkcaNet || typeof evaluateScene !== 'function') throw new Error('exports missing');

// Someone else's model, no LKCA-Net: a plain ESPCN, x2, upscaling the crop on two worker threads.
const x = tf.input({ shape: [null, null, 31] });
let f = tf.layers.conv2d({ filters: 8, kernelSize: 5, padding: 'same', activation: 'tanh' }).apply(x);
f = tf.layers.conv2d({ filters: 31 * 4, kernelSize: 3, padding: 'same' }).apply(f);
const espcn = tf.model({ inputs: x, outputs: new PixelShuffle({ scale: 2 }).apply(f) });
await saveAny(espcn, 'espcn');
const viaWorkers = await upscaleFileWithModel('crop.npy', 'espcn.hdr', { modelPath: 'espcn', workers: 2, runtime: 'wasm', tile: 16, overlap: 8 });
if (viaWorkers.devices.length !== 2) throw new Error('workers did not start: ' + JSON.stringify(viaWorkers));
const lr = await readCube('crop.npy');
const sink = new MemorySink(48, 40, 31, { shared: false });
await upscaleTiled(memorySource(Float32Array.from(lr.data), 24, 20, 31), inThisThread(espcn), sink, { scale: 2, tile: 16, overlap: 8 });
const sr = await readCube('espcn.hdr');
let diff = 0;
let peak = 0;
for (let i = 0; i < sink.data.length; i++) {
  diff = Math.max(diff, Math.abs(sr.data[i] - sink.data[i]));
  peak = Math.max(peak, Math.abs(sink.data[i]));
}
if (!(diff <= 1e-4 * peak)) throw new Error('workers and this thread differ by ' + diff);
console.log(JSON.stringify({ backend: info.backend, params: cost.params, paramsAfter: report.paramsAfter, sr: [out.rows, out.cols, out.bands], espcnWorkers: viaWorkers.devices.length, espcnDiff: diff / peak }));
`,
  );
  console.log(run('node', ['main.mjs'], app).trim().split('\n').pop());
  const bin = run('node_modules/.bin/lkca', ['info', 'sr.npy', '--json'], app);
  if (JSON.parse(bin).rows !== 48) throw new Error('lkca info failed');
  console.log('consumer: 1 passed, 0 failed');
} finally {
  if (!process.env['KEEP_CONSUMER']) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  void readdirSync;
}
