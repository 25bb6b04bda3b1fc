// The any-band model on inference's tiled file path: one tile gives exactly `predict`'s numbers
// (no-data included), 3 x 3 tiles score like the whole image against the ground truth, and as a
// queue job model it writes what `upscaleFileWithAnyBand` writes, is reused on a rerun and frees
// its tensors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Cube,
  computeMetrics,
  cropCube,
  downsampleCube,
  readCube,
  toBipCube,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { modelDigest, runUpscaleJob, sharedFileStorage } from '@hsrkit/queue/node';
import { maxAbsDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoScene } from '../demo-scene.js';
import type { AnyBandSR } from './any-band-model.js';
import { loadAnyBandModel } from './io-node.js';
import { isAnyBandModelPath, loadAnyBandJobModel } from './job-model-node.js';
import { upscaleFileWithAnyBand, upscaleFileWithAnyBandModel } from './upscale-file-node.js';

const MODEL_DIR = fileURLToPath(new URL('../../assets/models/lkca-any-band-x4/', import.meta.url));

describe('any-band models on the tiled file path', () => {
  let dir: string;
  let model: AnyBandSR;
  let crop: Cube;
  let input: string;

  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'hsrkit-any-band-file-'));
    model = await loadAnyBandModel(MODEL_DIR);
    // A real 31-band crop of the demo scene, 48 x 40 LR.
    crop = cropCube('c', await readDemoScene(), { row: 100, col: 60, rows: 48, cols: 40 });
    input = join(dir, 'crop.hdr');
    await writeCube(input, crop);
  });

  afterAll(async () => {
    model?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('one tile: exactly predict; 3 x 3 tiles: the same scores against the ground truth', async () => {
    const want = toBipCube(await model.predict(crop)).data;
    const one = join(dir, 'one.hdr');
    const before = tf.memory().numTensors;
    await upscaleFileWithAnyBandModel(model, input, one, { tile: 64 });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(toBipCube(await readCube(one)).data, want)).toBe(0);

    // The whole demo scene, LR by MATLAB bicubic x1/4 (64 x 64), in 32-sample tiles.
    const gt = await readDemoScene();
    const lr = downsampleCube(gt, 4);
    const lrFile = join(dir, 'scene-lr.hdr');
    await writeCube(lrFile, lr);
    const tiled = join(dir, 'tiled.hdr');
    const progress: [number, number][] = [];
    await upscaleFileWithAnyBandModel(model, lrFile, tiled, {
      tile: 32,
      overlap: 16,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress.at(-1)).toEqual([9, 9]);
    let peak = 0;
    for (const v of toBipCube(gt).data) peak = Math.max(peak, v);
    const score = (c: Cube) =>
      computeMetrics(gt, c, { preset: 'sspsr', scale: 4, dataRange: peak });
    const whole = await score(await model.predict(lr, { tile: 64 }));
    const got = await score(await readCube(tiled));
    // Tiles see less context at their borders; the blended seams cost (measured) ~0.01 dB.
    expect(Math.abs(got.mpsnr - whole.mpsnr)).toBeLessThan(0.03);
    expect(Math.abs(got.sam - whole.sam)).toBeLessThan(0.03);
    expect(got.mpsnr).not.toBe(whole.mpsnr);
  }, 120_000);

  it('on 2 worker threads (each loads the model): the same file as this thread', async () => {
    const inThread = join(dir, 'thread.hdr');
    await upscaleFileWithAnyBand(input, inThread, { modelPath: MODEL_DIR, tile: 24 });
    const threaded = join(dir, 'threads.hdr');
    let devices: string[] = [];
    await upscaleFileWithAnyBand(input, threaded, {
      modelPath: MODEL_DIR,
      tile: 24,
      workers: 2,
      runtime: 'wasm',
      onWorkers: (d) => {
        devices = d;
      },
    });
    expect(devices).toHaveLength(2);
    expect(devices[0]).toMatch(/^wasm: .*tiles by tile-worker-module/);
    const ref = toBipCube(await readCube(inThread)).data;
    let peak = 0;
    for (const v of ref) peak = Math.max(peak, v);
    // Tiles come back in another order and are blended in it: float32 rounding apart.
    expect(maxAbsDiff(toBipCube(await readCube(threaded)).data, ref) / peak).toBeLessThan(1e-6);
    // Threads need the folder to load from.
    await expect(
      upscaleFileWithAnyBandModel(model, input, join(dir, 'x.hdr'), { workers: 2 }),
    ).rejects.toThrow(/give modelPath/);
  }, 180_000);

  it('threads kept across files (a queue job model on 2 threads): two inputs at once, each as in this thread', async () => {
    // Another sensor's shape and units: 12 of the bands, x1000 (a raw-DN-like range).
    const bip = toBipCube(crop);
    const B2 = 12;
    const data2 = new Float32Array(crop.rows * crop.cols * B2);
    for (let p = 0; p < crop.rows * crop.cols; p++)
      for (let k = 0; k < B2; k++) data2[p * B2 + k] = 1000 * bip.data[p * crop.bands + 2 * k];
    const other = join(dir, 'other.hdr');
    await writeCube(other, { ...bip, bands: B2, data: data2, wavelengths: undefined });
    const refs = [join(dir, 'kept-ref-a.hdr'), join(dir, 'kept-ref-b.hdr')];
    await upscaleFileWithAnyBandModel(model, input, refs[0], { tile: 24 });
    await upscaleFileWithAnyBandModel(model, other, refs[1], { tile: 24 });

    const starts: string[][] = [];
    const jm = await loadAnyBandJobModel(MODEL_DIR, {
      workers: 2,
      runtime: 'wasm',
      onWorkers: (d) => starts.push(d),
    });
    const outs = [join(dir, 'kept-a.hdr'), join(dir, 'kept-b.hdr'), join(dir, 'kept-c.hdr')];
    const run = (i: string, o: string) => jm.upscaleFile(i, o, { tile: 24 });
    await run(input, outs[0]);
    await Promise.all([run(other, outs[1]), run(input, outs[2])]);
    // Started once, by the first file; the next two ran on the same threads, at the same time.
    expect(starts).toHaveLength(1);
    expect(starts[0]).toHaveLength(2);
    for (const [out, ref] of [
      [outs[0], refs[0]],
      [outs[1], refs[1]],
      [outs[2], refs[0]],
    ]) {
      const want = toBipCube(await readCube(ref)).data;
      let peak = 0;
      for (const v of want) peak = Math.max(peak, v);
      expect(maxAbsDiff(toBipCube(await readCube(out)).data, want) / peak).toBeLessThan(1e-6);
    }
    await jm.close();
    await expect(run(input, join(dir, 'kept-d.hdr'))).rejects.toThrow(/closed/);
  }, 240_000);

  it('no-data: a band with no valid sample and scattered no-data, as predict handles them', async () => {
    const bip = toBipCube(crop);
    const data = Float32Array.from(bip.data);
    const B = crop.bands;
    for (let p = 0; p < crop.rows * crop.cols; p++) data[p * B + 3] = -1;
    data[(5 * crop.cols + 7) * B + 10] = -1;
    data[(30 * crop.cols + 2) * B + 20] = -1;
    const cube: Cube = { ...bip, data, noDataValue: -1 };
    const file = join(dir, 'nodata.hdr');
    await writeCube(file, cube);
    const out = join(dir, 'nodata-sr.hdr');
    await upscaleFileWithAnyBandModel(model, file, out, { tile: 64 });
    const got = await readCube(out);
    const want = await model.predict(cube);
    expect(got.noDataValue).toBe(-1);
    expect(want.noDataValue).toBe(-1);
    expect(maxAbsDiff(toBipCube(got).data, toBipCube(want).data)).toBeLessThan(1e-6);
    const at = (R: number, C: number, b: number) => toBipCube(got).data[(R * 160 + C) * B + b];
    expect(at(21, 30, 10)).toBe(-1);
    expect(at(100, 100, 3)).toBe(-1);
    expect(at(100, 100, 4)).not.toBe(-1);
  }, 120_000);

  it('as a queue job model: the file upscaleFileWithAnyBand writes, reused on a rerun, tensors freed', async () => {
    expect(isAnyBandModelPath(MODEL_DIR)).toBe(true);
    expect(isAnyBandModelPath(join(MODEL_DIR, 'model.json'))).toBe(true);
    expect(isAnyBandModelPath(join(MODEL_DIR, '../lkca-student-x4'))).toBe(false);
    const before = tf.memory().numTensors;
    const jm = await loadAnyBandJobModel(MODEL_DIR);
    // The digest covers any-band.json as well as the TF.js files.
    expect(jm.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(jm.digest).not.toBe(await modelDigest(MODEL_DIR));
    const storage = sharedFileStorage();
    const output = join(dir, 'job', 'crop.hdr');
    const data = { input, output, model: MODEL_DIR, selfEnsemble: true };
    const first = await runUpscaleJob(data, { storage, model: jm, attempt: 'a1' });
    expect(first.reused).toBe(false);
    expect(first.bands).toBe(31);
    const again = await runUpscaleJob(data, { storage, model: jm, attempt: 'a2' });
    expect(again.reused).toBe(true);
    await jm.close();
    expect(tf.memory().numTensors).toBe(before);
    const ref = join(dir, 'ref.hdr');
    await upscaleFileWithAnyBand(input, ref, { modelPath: MODEL_DIR, selfEnsemble: true });
    expect(
      maxAbsDiff(toBipCube(await readCube(output)).data, toBipCube(await readCube(ref)).data),
    ).toBe(0);
  }, 180_000);
});
