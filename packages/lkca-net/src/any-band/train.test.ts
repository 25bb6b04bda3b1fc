import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededValues, useBackend } from '@hsrkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyBandSR } from './any-band-model.js';
import { loadAnyBandCheckpoint, saveAnyBandCheckpoint } from './checkpoint-node.js';
import { AnyBandConfigError } from './errors.js';
import { anyBandLoss } from './loss.js';
import { type AnyBandTrainScene, prepareAnyBandScene } from './patch-sampler.js';
import { type AnyBandSnapshot, trainAnyBand } from './train.js';
import { scoreAnyBandScene } from './validation.js';

/** A smooth synthetic scene in DN-like units, 40 x 40 x 10. */
function scene(id: string, seed: number): AnyBandTrainScene {
  const rows = 40;
  const cols = 40;
  const bands = 10;
  const noise = seededValues(rows * cols * bands, seed);
  const data = new Float32Array(rows * cols * bands);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let b = 0; b < bands; b++) {
        const i = (r * cols + c) * bands + b;
        data[i] = 900 + 250 * Math.sin(r / 3 + b / 4) * Math.cos(c / 5) + 40 * b + 15 * noise[i];
      }
  return prepareAnyBandScene(id, 'test', { rows, cols, bands, interleave: 'bip', data }, 4);
}

const small = () =>
  AnyBandSR.create({
    groupSize: 4,
    stride: 2,
    core: { channels: 8, blocks: 1, reduction: 4 },
    seed: 2,
    residual: 'relative',
  });

const weights = async (m: AnyBandSR) =>
  Promise.all(m.core.getWeights().map((w) => w.data() as Promise<Float32Array>));

describe('trainAnyBand', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'any-band-train-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const base = { scenes: [scene('a', 1)], patch: 4, batch: 3, seed: 5, warmup: 2, lr: 3e-3 };

  it('lowers the loss, leaks no tensor, and puts the best validated weights back', async () => {
    const model = small();
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    const val = [scene('v', 9)];
    const res = await trainAnyBand({
      ...base,
      model,
      steps: 12,
      validation: val,
      validateMinutes: 0, // every step
      onProgress: (e) => {
        if (!e.validation) losses.push(e.loss);
      },
    });
    expect(res.state.step).toBe(12);
    expect(losses.length).toBe(12);
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
    expect(tf.memory().numTensors).toBe(before);
    // One validation at the start, one after each step (validateMinutes 0), and the final one.
    expect(res.state.validations.length).toBe(14);
    const best = res.best!;
    expect(best.score).toBe(Math.max(...res.state.validations.map((v) => v.score)));
    // The model holds the best weights: scoring it again gives the best record's numbers.
    const again = await scoreAnyBandScene(model, val[0]);
    expect(again.mpsnr).toBeCloseTo(best.scenes[0].mpsnr, 4);
    model.dispose();
  });

  it('stopped by its signal and resumed from a checkpoint on disk: the exact weights of an uninterrupted run', async () => {
    const straight = small();
    await trainAnyBand({ ...base, model: straight, steps: 8 });
    const ctrl = new AbortController();
    const first = small();
    const ckpt = join(dir, 'ckpt');
    let snap: AnyBandSnapshot | undefined;
    const a = await trainAnyBand({
      ...base,
      model: first,
      steps: 8,
      signal: ctrl.signal,
      onProgress: (e) => {
        if (e.step === 3) ctrl.abort();
      },
      checkpoint: async (s) => {
        snap = s;
        await saveAnyBandCheckpoint(ckpt, s);
      },
    });
    expect(a.aborted).toBe(true);
    expect(snap?.state.step).toBe(3);
    first.dispose();
    const loaded = await loadAnyBandCheckpoint(ckpt);
    const b = await trainAnyBand({
      ...base,
      model: loaded.model,
      steps: 8,
      resume: { state: loaded.state, optimizer: loaded.optimizer },
    });
    tf.dispose(loaded.optimizer.map((w) => w.tensor));
    expect(b.state.step).toBe(8);
    const ws = await weights(straight);
    const wr = await weights(loaded.model);
    let diff = 0;
    for (let i = 0; i < ws.length; i++)
      for (let k = 0; k < ws[i].length; k++) diff = Math.max(diff, Math.abs(ws[i][k] - wr[i][k]));
    // Weights, Adam's slots and beta powers, and the batches of each step are restored: exact.
    expect(diff).toBe(0);
    straight.dispose();
    loaded.model.dispose();
  });

  it('rejects bad options with a typed error naming the field', async () => {
    const model = small();
    await expect(trainAnyBand({ ...base, model })).rejects.toThrow(
      /'budget': give steps or minutes/,
    );
    await expect(trainAnyBand({ ...base, model, steps: 2, patch: 20 })).rejects.toThrow(
      AnyBandConfigError,
    );
    await expect(trainAnyBand({ ...base, model, steps: 2, lr: -1 })).rejects.toThrow(/lr/);
    const narrow = prepareAnyBandScene(
      'narrow',
      'test',
      {
        rows: 16,
        cols: 16,
        bands: 3,
        interleave: 'bip',
        data: new Float32Array(16 * 16 * 3).fill(1),
      },
      4,
    );
    await expect(trainAnyBand({ ...base, model, steps: 2, scenes: [narrow] })).rejects.toThrow(
      /3 bands, fewer than the model's group of 4/,
    );
    model.dispose();
  });
});

describe('anyBandLoss', () => {
  beforeAll(() => useBackend('cpu'));
  it('is L1 + spectral-gradient L1 + sam * (2 sin(angle / 2)), checked element by element', async () => {
    const n = 2;
    const g = 3;
    const p = seededValues(n * 2 * 2 * g, 3).map((v) => v - 0.5);
    const y = seededValues(n * 2 * 2 * g, 4).map((v) => v - 0.5);
    const shift = [1.5, 2];
    const loss = tf.tidy(() =>
      anyBandLoss(
        tf.tensor4d(p, [n, 2, 2, g]),
        tf.tensor4d(y, [n, 2, 2, g]),
        tf.tensor4d(shift, [n, 1, 1, 1]),
        { spectralGradient: 0.5, sam: 2 },
      ),
    );
    let l1 = 0;
    let dg = 0;
    let chord = 0;
    const pixels = n * 4;
    for (let px = 0; px < pixels; px++) {
      const s = shift[Math.floor(px / 4)];
      const a = Array.from(p.subarray(px * g, px * g + g));
      const b = Array.from(y.subarray(px * g, px * g + g));
      for (let k = 0; k < g; k++) l1 += Math.abs(a[k] - b[k]);
      for (let k = 0; k + 1 < g; k++) dg += Math.abs(a[k + 1] - a[k] - (b[k + 1] - b[k]));
      const as = a.map((v) => v + s);
      const bs = b.map((v) => v + s);
      const cos =
        as.reduce((x, v, k) => x + v * bs[k], 0) / (Math.hypot(...as) * Math.hypot(...bs));
      chord += 2 * Math.sin(Math.acos(Math.min(1, cos)) / 2);
    }
    const ref = l1 / (pixels * g) + (0.5 * dg) / (pixels * (g - 1)) + (2 * chord) / pixels;
    expect((await loss.data())[0]).toBeCloseTo(ref, 5);
    loss.dispose();
  });
});
