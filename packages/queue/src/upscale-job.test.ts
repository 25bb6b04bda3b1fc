// One job on the real model, in this process: the output equals upscaleFile's, a matching record
// makes a rerun a no-op, a changed input is redone, leftovers of a killed attempt are removed, and
// errors keep their type's name in the job's failure text.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCube, toBipCube } from '@hsrkit/hsi-data/node';
import { selectRuntime, UpscaleInputError } from '@hsrkit/inference';
import { loadModel, startTileRunner, upscaleFile } from '@hsrkit/inference/node';
import * as tf from '@tensorflow/tfjs';
import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL, writeSceneCrops } from '../test/scenes.js';
import { modelDigest } from './model-digest.js';
import { STAGING_DIR, sharedFileStorage } from './shared-file-storage.js';
import {
  type JobModel,
  runUpscaleJob,
  type TiledJobModelParts,
  tiledJobModel,
} from './upscale-job.js';
import { jobFailure } from './upscale-worker.js';

describe('runUpscaleJob', () => {
  let dir: string;
  let scene: string;
  let jm: JobModel;
  let parts: TiledJobModelParts;
  let close: () => Promise<void>;

  beforeAll(async () => {
    await selectRuntime('wasm');
    dir = await fs.mkdtemp(join(tmpdir(), 'hsrkit-queue-job-'));
    [scene] = await writeSceneCrops(dir, 24, [[40, 60]], 'crop');
    const model = await loadModel(MODEL);
    const pool = await startTileRunner(model, { workers: 1 });
    parts = {
      modelPath: MODEL,
      model,
      runner: pool.runner,
      concurrency: 1,
      digest: await modelDigest(MODEL),
    };
    jm = tiledJobModel(parts);
    close = async () => {
      await pool.close();
      model.dispose();
    };
  });

  afterAll(async () => {
    await close?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes what upscaleFile writes, reuses a matching output, redoes a changed input', async () => {
    const before = tf.memory().numTensors;
    const storage = sharedFileStorage();
    const output = join(dir, 'out', 'crop0.hdr');
    await fs.mkdir(join(dir, 'out', STAGING_DIR, 'crop0.hdr.999-dead'), { recursive: true });
    await fs.writeFile(
      join(dir, 'out', STAGING_DIR, 'crop0.hdr.999-dead', 'crop0.img.999.partial'),
      'x',
    );
    const data = { input: scene, output, model: MODEL, overlap: 16 };
    const first = await runUpscaleJob(data, { storage, model: jm, attempt: 'a1', jobId: 'j1' });
    expect(first.reused).toBe(false);
    expect(first.files).toEqual([output, join(dir, 'out', 'crop0.img')]);
    // The leftovers of the killed attempt and the staging folder are gone.
    expect((await fs.readdir(join(dir, 'out'))).sort()).toEqual([
      'crop0.hdr',
      'crop0.hdr.lkca.json',
      'crop0.img',
    ]);

    await upscaleFile(scene, join(dir, 'ref.hdr'), {
      model: parts.model,
      runner: parts.runner,
      overlap: 16,
    });
    const [got, want] = [await readCube(output), await readCube(join(dir, 'ref.hdr'))];
    expect(got.data).toEqual(want.data);
    expect([got.rows, got.cols, got.bands]).toEqual([96, 96, 31]);

    const mtime = (await fs.stat(join(dir, 'out', 'crop0.img'))).mtimeMs;
    const again = await runUpscaleJob(data, { storage, model: jm, attempt: 'a2', jobId: 'j2' });
    expect(again.reused).toBe(true);
    expect((await fs.stat(join(dir, 'out', 'crop0.img'))).mtimeMs).toBe(mtime);
    // Other options, or a truncated output, are not a match.
    expect(
      (await runUpscaleJob({ ...data, overlap: 8 }, { storage, model: jm, attempt: 'a3' })).reused,
    ).toBe(false);
    await fs.truncate(join(dir, 'out', 'crop0.img'), 10);
    expect(
      (await runUpscaleJob({ ...data, overlap: 8 }, { storage, model: jm, attempt: 'a4' })).reused,
    ).toBe(false);
    // A rewritten input (new mtime) is redone.
    await fs.utimes(scene, new Date(), new Date(Date.now() + 5000));
    expect(
      (await runUpscaleJob({ ...data, overlap: 8 }, { storage, model: jm, attempt: 'a5' })).reused,
    ).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('selfEnsemble: the output upscaleFile writes under the self-ensemble, recorded as such', async () => {
    const storage = sharedFileStorage();
    const output = join(dir, 'x8', 'crop0.hdr');
    const data = { input: scene, output, model: MODEL, overlap: 16 };
    expect((await runUpscaleJob(data, { storage, model: jm, attempt: 'b1' })).reused).toBe(false);
    // The same job with the self-ensemble is not the plain output: redone.
    const x8 = { ...data, selfEnsemble: true };
    expect((await runUpscaleJob(x8, { storage, model: jm, attempt: 'b2' })).reused).toBe(false);
    await upscaleFile(scene, join(dir, 'ref-x8.hdr'), {
      model: parts.model,
      runner: parts.runner,
      overlap: 16,
      selfEnsemble: true,
    });
    const [got, want] = [await readCube(output), await readCube(join(dir, 'ref-x8.hdr'))];
    expect(got.data).toEqual(want.data);
    const record = JSON.parse(await fs.readFile(`${output}.lkca.json`, 'utf8'));
    expect(record.selfEnsemble).toBe(true);
    expect((await runUpscaleJob(x8, { storage, model: jm, attempt: 'b3' })).reused).toBe(true);
  });

  it('an HDF5 input with two cubes: the job names its dataset and band axis; another dataset is redone', async () => {
    // The crop written by h5wasm as two BIL datasets (rows x bands x cols): the second a brighter copy.
    const crop = toBipCube(await readCube(scene));
    const { rows, cols, bands } = crop;
    const bil = (gain: number) => {
      const out = new Float32Array(rows * bands * cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          for (let b = 0; b < bands; b++)
            out[(r * bands + b) * cols + c] = gain * crop.data[(r * cols + c) * bands + b];
      return out;
    };
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const file = join(dir, 'two.h5');
    const f = new h5.File(file, 'w');
    f.create_dataset({ name: 'a', data: bil(1), shape: [rows, bands, cols], dtype: '<f' });
    f.create_dataset({ name: 'b', data: bil(1.5), shape: [rows, bands, cols], dtype: '<f' });
    f.close();
    const storage = sharedFileStorage();
    const output = join(dir, 'h5', 'two.hdr');
    const data = { input: file, output, model: MODEL, overlap: 16 };
    // Two cubes: the file alone cannot say which (a permanent failure, no output).
    const err = await runUpscaleJob(data, { storage, model: jm, attempt: 'h1' }).catch((e) => e);
    expect(err.name).toBe('HsiFormatError');
    expect(err.message).toMatch(/two\.h5: dataset: 2 3-D datasets.*\/a \(24 x 31 x 24 float32\)/);
    expect(jobFailure(err)).toBeInstanceOf(UnrecoverableError);
    const a = { ...data, dataset: '/a', bandAxis: 1 };
    expect((await runUpscaleJob(a, { storage, model: jm, attempt: 'h2' })).reused).toBe(false);
    // The same numbers as the ENVI crop through upscaleFile.
    await upscaleFile(scene, join(dir, 'ref-h5.hdr'), {
      model: parts.model,
      runner: parts.runner,
      overlap: 16,
    });
    const want = toBipCube(await readCube(join(dir, 'ref-h5.hdr'))).data;
    expect(toBipCube(await readCube(output)).data).toEqual(want);
    const record = JSON.parse(await fs.readFile(`${output}.lkca.json`, 'utf8'));
    expect([record.dataset, record.bandAxis]).toEqual(['/a', 1]);
    expect((await runUpscaleJob(a, { storage, model: jm, attempt: 'h3' })).reused).toBe(true);
    // Another dataset into the same output is not the same result: redone.
    const b = { ...a, dataset: '/b' };
    expect((await runUpscaleJob(b, { storage, model: jm, attempt: 'h4' })).reused).toBe(false);
    expect(toBipCube(await readCube(output)).data).not.toEqual(want);
  });

  it('bad inputs: typed errors, no output, no staging left; failure text keeps the type', async () => {
    const storage = sharedFileStorage();
    const output = join(dir, 'bad', 'x.hdr');
    await expect(
      runUpscaleJob(
        { input: join(dir, 'missing.hdr'), output, model: MODEL },
        { storage, model: jm, attempt: 'b1' },
      ),
    ).rejects.toThrow(/missing\.hdr/);
    await expect(
      runUpscaleJob(
        { input: scene, output, model: MODEL, scale: 3 },
        { storage, model: jm, attempt: 'b2' },
      ),
    ).rejects.toThrow(UpscaleInputError);
    const left = await fs.readdir(join(dir, 'bad')).catch(() => []);
    expect(left).toEqual([]);
    const f = jobFailure(new UpscaleInputError('x has 156 bands but the model takes 31'));
    expect(f).toBeInstanceOf(UnrecoverableError);
    expect(f.message).toBe('UpscaleInputError: x has 156 bands but the model takes 31');
    const transient = jobFailure(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    expect(transient).not.toBeInstanceOf(UnrecoverableError);
  });
});
