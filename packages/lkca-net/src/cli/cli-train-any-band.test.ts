import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cubeToBip, readCube } from '@hsrkit/hsi-data/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnyBandModel } from '../any-band/io-node.js';
import { prepareAnyBandScene } from '../any-band/patch-sampler.js';
import { scoreAnyBandScene } from '../any-band/validation.js';
import { SHIPPED_MODELS_DIR } from '../shipped-models.js';
import { cliFixture, lkca } from './test-support.js';

// `lkca train` by default: fine-tune the shipped any-band model on the user's cube, patch and batch
// chosen to fit (and printed), a time budget, a hold-out strip that keeps the best weights.
describe('lkca train (any-band, the default)', () => {
  let dir: string;
  let crop: string;
  let tiny: string;
  let tinyDir: string;
  beforeAll(async () => {
    // 48 x 40 HR at x4 is 12 x 10 LR: the 16-pixel LR patch does not fit, 8 does.
    ({ dir, crop } = await cliFixture('lkca-train-any-', { rows: 48, cols: 56 }));
    ({ dir: tinyDir, crop: tiny } = await cliFixture('lkca-train-tiny-', { rows: 24, cols: 24 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(tinyDir, { recursive: true, force: true });
  });

  const run = (out: string, ...more: string[]) =>
    lkca('train', '--data', crop, '--scale', '4', '-o', out, '--backend', 'wasm', ...more);

  it('fine-tunes the shipped model, says so, picks the patch that fits, keeps the best validated weights', async () => {
    const out = join(dir, 'tuned');
    const before = tf.memory().numTensors;
    const r = await run(out, '--steps', '3', '--hold-out-cols', '16', '--json');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('lkca:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.json.model).toMatch(/^any-band, fine-tuning the shipped lkca-any-band-x4/);
    // 48 x 40 left for training: 12 x 10 LR, so 8 (32 HR) is the largest patch; 4x the batch.
    expect(r.json.patchReason).toMatch(
      /^the largest patch that fits .*crop\.hdr \(48 x 40 HR usable\)$/,
    );
    expect(r.json).toMatchObject({
      arch: 'any-band',
      init: 'lkca-any-band-x4',
      steps: 3,
      patch: 32,
      batch: 64,
    });
    // Scored on the 48 x 16 strip never trained on, beside bicubic.
    expect(r.json.validation.bicubicMpsnr).toBeGreaterThan(20);
    expect(Number.isFinite(r.json.validation.sam)).toBe(true);
    const m = await loadAnyBandModel(out);
    expect(m.scale).toBe(4);
    const cfg = JSON.parse(await readFile(join(out, 'any-band.json'), 'utf8'));
    expect(cfg.training).toMatchObject({
      from: 'lkca-any-band-x4',
      steps: 3,
      patch: 32,
      batch: 64,
    });
    // It super-resolves a cube of another band count (any-band), in the input's units.
    const cube = cubeToBip(await readCube(crop));
    const sub = tf.tidy(() =>
      tf.slice(
        tf.tensor3d(Float32Array.from(cube.data), [cube.rows, cube.cols, cube.bands]),
        [0, 0, 0],
        [8, 8, 12],
      ),
    );
    const sr = m.superResolveTensor(sub as tf.Tensor3D);
    expect(sr.shape).toEqual([32, 32, 12]);
    tf.dispose([sub, sr]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("--scale 8 (no shipped x8 model): starts from the x4 model's core with a fresh upsampler, saved as x8", async () => {
    // 72 x 96 HR: the smallest LR patch (8, 64 HR) fits beside the validation strip.
    const { dir: d8, crop: c8 } = await cliFixture('lkca-train-x8-', { rows: 72, cols: 96 });
    try {
      const out = join(d8, 'x8');
      const r = await lkca(
        'train',
        '--data',
        c8,
        '--scale',
        '8',
        '-o',
        out,
        '--backend',
        'wasm',
        '--steps',
        '2',
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.model).toMatch(
        /^any-band x8, started from the shipped lkca-any-band-x4 \(every core weight but the upsampler's/,
      );
      const m = await loadAnyBandModel(out);
      const x4 = await loadAnyBandModel(join(SHIPPED_MODELS_DIR, 'lkca-any-band-x4'));
      expect(m.scale).toBe(8);
      // Two warm-up steps barely move the copied weights; a fresh init would be far from them.
      const first = (x: typeof m) => x.core.weights[0].read().dataSync();
      const [a, b] = [first(m), first(x4)];
      let diff = 0;
      let size = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        size = Math.max(size, Math.abs(b[i]));
      }
      expect(diff).toBeLessThan(0.01 * size);
      m.dispose();
      x4.dispose();
    } finally {
      await rm(d8, { recursive: true, force: true });
    }
  });

  it('--seed makes a run reproducible: the same weights twice, other weights with another seed', async () => {
    const weightsOf = async (out: string) => {
      const files = (await readdir(out)).filter((f) => f.endsWith('.bin')).sort();
      return Buffer.concat(await Promise.all(files.map((f) => readFile(join(out, f)))));
    };
    const a = join(dir, 'seed-a');
    const b = join(dir, 'seed-b');
    const c = join(dir, 'seed-c');
    for (const [out, seed] of [
      [a, '5'],
      [b, '5'],
      [c, '6'],
    ] as const)
      expect((await run(out, '--steps', '2', '--seed', seed, '--json')).code).toBe(0);
    expect((await weightsOf(a)).equals(await weightsOf(b))).toBe(true);
    expect((await weightsOf(a)).equals(await weightsOf(c))).toBe(false);
  });

  it('--minutes: the budget ends the run and is recorded', async () => {
    const out = join(dir, 'budget');
    const t0 = performance.now();
    const r = await run(out, '--minutes', String(4 / 60), '--json');
    expect(r.code).toBe(0);
    expect(r.json.steps).toBeGreaterThan(0);
    expect(r.json.minutes).toBeGreaterThanOrEqual(4 / 60);
    // It stopped by itself, soon after the budget (validation and saving take a little more).
    expect((performance.now() - t0) / 1000).toBeLessThan(60);
  });

  it('a cube too small for any patch: a clear error naming the file, nothing written', async () => {
    const out = join(dir, 'never');
    const r = await lkca(
      'train',
      '--data',
      tiny,
      '--scale',
      '4',
      '-o',
      out,
      '--steps',
      '2',
      '--backend',
      'wasm',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(tiny);
    expect(r.stderr).toMatch(
      /24 x 24 HR pixels usable for training: the smallest patch is 32 x 32/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses, before training, an output folder holding other files or the model it fine-tunes', async () => {
    const busy = join(dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'notes.txt'), 'keep me');
    const r = await run(busy, '--steps', '2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not a saved model: refusing to replace it/);
    expect(await readFile(join(busy, 'notes.txt'), 'utf8')).toBe('keep me');
    const tuned = join(dir, 'tuned');
    const again = await run(tuned, '--steps', '2', '--init', tuned);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/holds the input/);
    expect(existsSync(join(tuned, 'any-band.json'))).toBe(true);
  });

  it('LKCA-only options pick the band-specific LKCA-Net; mixing them with --arch any-band is refused', async () => {
    const r = await run(
      join(dir, 'mixed'),
      '--arch',
      'any-band',
      '--upsampler',
      'conv',
      '--steps',
      '1',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--upsampler is for --arch lkca/);
    const l = await run(
      join(dir, 'lkca'),
      '--channels',
      '8',
      '--blocks',
      '1',
      '--minutes',
      String(3 / 60),
      '--json',
    );
    expect(l.code).toBe(0);
    expect(l.json.model).toBe("LKCA-Net (band-specific, the paper's) because --channels was given");
    // 48 x 56 at x4: 64 does not fit; 48 gives 1 patch (stride 24 or 12), 32 gives 4 (stride 16)
    // or 12 (stride 8), 24 gives 9 (stride 12) or 63 (stride 4): the first with 2 batches of 8.
    expect(l.json).toMatchObject({
      patch: 24,
      batch: 8,
      patchReason: 'the largest patch giving 2 batches of 8 in 48 x 56, stride 4',
    });
    expect(l.json.arch).toBe('lkca');
    expect(l.json.steps).toBeGreaterThan(0);
  });

  it('lkca eval scores an any-band model by name: the numbers scoreAnyBandScene gives on the same crop', async () => {
    const r = await lkca(
      'eval',
      '--model',
      'lkca-any-band-x4',
      '--data',
      crop,
      '--backend',
      'wasm',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const m = await loadAnyBandModel(join(SHIPPED_MODELS_DIR, 'lkca-any-band-x4'));
    const ref = await scoreAnyBandScene(
      m,
      prepareAnyBandScene('crop', '', await readCube(crop), 4),
    );
    m.dispose();
    expect(r.json.mpsnr).toBeCloseTo(ref.mpsnr, 3);
    expect(r.json.sam).toBeCloseTo(ref.sam, 3);
    expect(r.json.bicubic.mpsnr).toBeCloseTo(ref.bicubicMpsnr, 3);
    expect([r.json.rows, r.json.cols, r.json.bands]).toEqual([48, 56, 31]);
  });
});
