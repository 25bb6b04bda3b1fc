// Cascades (src/model-cascade.ts, src/cascade-file-node.ts): the shipped lkca-any-band-x8 is
// described from its stages, runs as the two any-band runs by hand give it byte for byte, leaves no
// temporary file, stops on abort, and a cascade.json that leads out of its folder or names no
// model is refused by name.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cropCube, readCube, writeCube } from '@hsrkit/hsi-data/node';
import { saveModel, withModelMetadata } from '@hsrkit/inference/node';
import { runUpscaleJob, sharedFileStorage } from '@hsrkit/queue/node';
import { useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyBandChain } from './any-band/any-band-chain.js';
import { loadAnyBandModel } from './any-band/io-node.js';
import { upscaleFileWithAnyBand } from './any-band/upscale-file-node.js';
import { upscaleFileWithCascade } from './cascade-file-node.js';
import { isCascadeModelPath, loadCascadeJobModel } from './cascade-job-model-node.js';
import { lkca } from './cli/test-support.js';
import { readDemoScene } from './demo-scene.js';
import { evaluateScene } from './evaluate.js';
import { lkcaNet } from './model.js';
import { CascadeConfigError } from './model-cascade.js';
import {
  describeModelFolder,
  listShippedModels,
  ModelKindError,
  resolveModel,
  SHIPPED_MODELS_DIR,
  singleModel,
} from './shipped-models.js';

describe('model cascades', () => {
  let dir: string;
  let input: string;

  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'hsrkit-cascade-'));
    // A real 31-band crop of the demo scene, 10 x 9 LR (x8: 80 x 72).
    const scene = await readDemoScene();
    input = join(dir, 'lr.hdr');
    await writeCube(input, cropCube('demo', scene, { row: 40, col: 60, rows: 10, cols: 9 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lkca-any-band-x8 is x4 then x2: scale and params from its stages, scores recorded', () => {
    const models = listShippedModels();
    const x8 = models.find((m) => m.name === 'lkca-any-band-x8')!;
    const x4 = models.find((m) => m.name === 'lkca-any-band-x4')!;
    const x2 = models.find((m) => m.name === 'lkca-any-band-x2')!;
    expect(x8).toMatchObject({ kind: 'cascade', scale: 8, bands: 'any' });
    expect(x8.params).toBe(x4.params + x2.params);
    expect(x8.stages?.map((s) => s.path)).toEqual([x4.path, x2.path]);
    // Held-out x8 scores (scripts/eval-cascade.ts --record): beside bicubic, over several crops.
    expect(x8.heldOutMean?.scenes.length).toBeGreaterThanOrEqual(3);
    expect(x8.heldOutMean?.mpsnr).toBeGreaterThan(x8.heldOutMean?.bicubicMpsnr ?? Infinity);
    expect(() => singleModel(x8, 'lkca demo')).toThrow(ModelKindError);
  });

  it('runs its stages as the two file runs by hand, byte for byte, and leaves no temporary file', async () => {
    const out = join(dir, 'out', 'x8.hdr');
    await mkdir(join(dir, 'out'));
    const stages: string[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const res = await upscaleFileWithCascade(input, out, {
      model: 'lkca-any-band-x8',
      workers: 1,
      onStage: (i, n, s) => stages.push(`${i + 1}/${n} ${s.name}`),
    });
    expect(stages).toEqual(['1/2 lkca-any-band-x4', '2/2 lkca-any-band-x2']);
    // Both stages' models and tensors are freed.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(res).toMatchObject({ rows: 80, cols: 72, bands: 31, scale: 8 });
    // Nothing but the output (header + data) is left in its folder.
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(
      res.files.map((f) => f.split('/').pop()).sort(),
    );
    const byHand = join(dir, 'hand');
    await mkdir(byHand);
    const x8 = resolveModel('lkca-any-band-x8');
    await upscaleFileWithAnyBand(input, join(byHand, 'x4.hdr'), {
      modelPath: x8.stages![0].path,
      workers: 1,
    });
    await upscaleFileWithAnyBand(join(byHand, 'x4.hdr'), join(byHand, 'x8.hdr'), {
      modelPath: x8.stages![1].path,
      workers: 1,
    });
    const a = await readCube(out);
    const b = await readCube(join(byHand, 'x8.hdr'));
    expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
    expect(a.wavelengths).toEqual(b.wavelengths);
  });

  it('as a queue job model: the job writes what upscaleFileWithCascade writes, is reused, frees its tensors', async () => {
    const x8 = resolveModel('lkca-any-band-x8');
    expect(isCascadeModelPath(x8.path)).toBe(true);
    expect(isCascadeModelPath(x8.stages![0].path)).toBe(false);
    const before = tf.memory().numTensors;
    const jm = await loadCascadeJobModel(x8.path);
    const storage = sharedFileStorage();
    const output = join(dir, 'job', 'x8.hdr');
    const data = { input, output, model: x8.path };
    const first = await runUpscaleJob(data, { storage, model: jm, attempt: 'a1' });
    expect(first).toMatchObject({ reused: false, bands: 31 });
    expect((await runUpscaleJob(data, { storage, model: jm, attempt: 'a2' })).reused).toBe(true);
    // Another scale than the cascade's is refused before any stage runs.
    await expect(jm.upscaleFile(input, join(dir, 'job', 'x4.hdr'), { scale: 4 })).rejects.toThrow(
      /lkca-any-band-x8 upscales x8, not x4/,
    );
    await jm.close();
    expect(tf.memory().numTensors).toBe(before);
    const a = await readCube(output);
    const b = await readCube(join(dir, 'out', 'x8.hdr'));
    expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
    // Only the job's files are left beside the output: no stage in between.
    expect((await readdir(join(dir, 'job'))).filter((f) => f.includes('cascade'))).toEqual([]);
  });

  it('`lkca eval --model lkca-any-band-x8` scores the chain in memory as evaluateScene scores it', async () => {
    const hrFile = join(dir, 'hr.hdr');
    const scene = await readDemoScene();
    const hr = cropCube('demo', scene, { row: 130, col: 120, rows: 80, cols: 72 });
    await writeCube(hrFile, hr);
    const r = await lkca('eval', '--model', 'lkca-any-band-x8', '--data', hrFile, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ scale: 8, rows: 80, cols: 72, bands: 31 });
    const x8 = resolveModel('lkca-any-band-x8');
    const chain = new AnyBandChain([
      await loadAnyBandModel(x8.stages![0].path),
      await loadAnyBandModel(x8.stages![1].path),
    ]);
    expect(chain.scale).toBe(8);
    const ev = await evaluateScene(chain, hr, { scale: 8 });
    chain.dispose();
    const json = r.json as { mpsnr: number; sam: number; bicubic: { mpsnr: number } };
    expect(json.mpsnr).toBeCloseTo(ev.metrics.mpsnr, 2);
    expect(json.sam).toBeCloseTo(ev.metrics.sam, 2);
    expect(json.bicubic.mpsnr).toBeCloseTo(ev.bicubicMetrics.mpsnr, 4);
  });

  it('an abort stops it with no output and no temporary file', async () => {
    const outDir = join(dir, 'aborted');
    await mkdir(outDir);
    const ctl = new AbortController();
    const err = await upscaleFileWithCascade(input, join(outDir, 'x8.hdr'), {
      model: 'lkca-any-band-x8',
      workers: 1,
      signal: ctl.signal,
      onStage: (i) => {
        if (i === 1) ctl.abort();
      },
    }).catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(await readdir(outDir)).toEqual([]);
  });

  it('a cascade.json naming no model, a path out of its folder or mismatched bands is refused by name', async () => {
    const models = join(dir, 'models');
    await mkdir(models);
    const make = async (name: string, stages: string[]) => {
      await mkdir(join(models, name), { recursive: true });
      await writeFile(
        join(models, name, 'cascade.json'),
        JSON.stringify({ format: 'hsrkit-model-cascade/1', stages }),
      );
      return join(models, name);
    };
    const shipped = (n: string) => join(SHIPPED_MODELS_DIR, n);
    const unknown = await make('unknown', ['lkca-any-band-x4', 'no-such-model']);
    expect(() => describeModelFolder(unknown, 'unknown')).toThrow(CascadeConfigError);
    expect(() => describeModelFolder(unknown, 'unknown')).toThrow(
      /cascade\.json: stages\[1\]: 'no-such-model' is not a shipped model/,
    );
    const up = await make('up', ['lkca-any-band-x4', '../lkca-any-band-x2']);
    expect(() => describeModelFolder(up, 'up')).toThrow(
      /stages\[1\]: '\.\.\/lkca-any-band-x2': a stage is/,
    );
    // ./folder inside it is fine; a symlink that leads out of it is not.
    const inside = await make('inside', ['lkca-any-band-x4', './x2']);
    await symlink(shipped('lkca-any-band-x2'), join(inside, 'x2'));
    expect(() => describeModelFolder(inside, 'inside')).toThrow(/'\.\/x2' leads out of/);
    const bands = await make('bands', ['lkca-any-band-x4', 'lkca-student-x4']);
    expect(() => describeModelFolder(bands, 'bands', SHIPPED_MODELS_DIR)).not.toThrow();
    const mixed = await make('mixed', ['lkca-student-x4', 'lkca-teacher-x4']);
    expect(describeModelFolder(mixed, 'mixed')).toMatchObject({ scale: 16, bands: 31 });
    // A 20-band model after a 31-band one cannot take what it is given.
    const mismatch = await make('mismatch', ['lkca-student-x4', './b20']);
    const b20 = lkcaNet({
      bands: 20,
      scale: 2,
      channels: 8,
      blocks: 1,
      reduction: 4,
      upsamplerGroups: 2,
    });
    withModelMetadata(b20, { scale: 2, bands: 20 });
    await saveModel(b20, join(mismatch, 'b20'));
    b20.dispose();
    expect(() => describeModelFolder(mismatch, 'mismatch')).toThrow(
      /stages\[1\]: '\.\/b20' takes 20 bands, the stage before gives 31/,
    );
    await mkdir(join(models, 'bad'));
    await writeFile(join(models, 'bad', 'cascade.json'), '{"format": "x"}');
    expect(() => describeModelFolder(join(models, 'bad'), 'bad')).toThrow(/format: expected/);
  });

  it('`lkca upscale --model lkca-any-band-x8` writes x8; `lkca demo` refuses a cascade by kind', async () => {
    // Into a folder that does not exist yet: made, as for any model.
    const out = join(dir, 'cli', 'x8.hdr');
    const r = await lkca('upscale', input, '--model', 'lkca-any-band-x8', '-o', out, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rows: 80, cols: 72, bands: 31, scale: 8 });
    // Without --json it says which stage runs.
    const text = await lkca(
      'upscale',
      input,
      '--model',
      'lkca-any-band-x8',
      '-o',
      join(dir, 'cli', 'b.hdr'),
    );
    expect(`${text.stdout}${text.stderr}`).toContain('stage 2/2: lkca-any-band-x2 (x2)');
    const ref = await readCube(join(dir, 'out', 'x8.hdr'));
    const got = await readCube(out);
    // The CLI's backend and threads may differ from the API run above: same numbers to float32.
    let worst = 0;
    let peak = 0;
    for (let i = 0; i < ref.data.length; i++) {
      worst = Math.max(worst, Math.abs(Number(got.data[i]) - Number(ref.data[i])));
      peak = Math.max(peak, Math.abs(Number(ref.data[i])));
    }
    expect(worst).toBeLessThan(1e-3 * peak);
    const demo = await lkca('demo', '--model', 'lkca-any-band-x8', '--out', join(dir, 'demo'));
    expect(demo.code).toBe(1);
    expect(demo.stderr).toMatch(/ModelKindError: lkca-any-band-x8 is a cascade/);
    const list = await lkca('models', '--json');
    const x8 = (list.json as { name: string; stages?: string[] }[]).find(
      (m) => m.name === 'lkca-any-band-x8',
    );
    expect(x8?.stages).toEqual(['lkca-any-band-x4', 'lkca-any-band-x2']);
    expect(await readFile(out, 'utf8')).toContain('samples = 72');
  });
});
