import { cropCube } from '@hsrkit/hsi-data/node';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { useBackend } from '@hsrkit/testing';
import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDemoScene } from './demo-scene.js';
import { lkcaNet } from './model.js';
import { readModelMetadata } from '@hsrkit/inference';
import { trainOnScenes } from './training.js';

describe('trainOnScenes: degradation and validation options', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels({ replaceSlowKernels: true });
  });

  /** Two identical tiny nets (same weights), so only the data differs between runs. */
  function twins(): [tf.LayersModel, tf.LayersModel] {
    const cfg = { bands: 31, scale: 2, channels: 8, blocks: 1, reduction: 4, upsamplerGroups: 2 };
    const a = lkcaNet(cfg);
    const b = lkcaNet(cfg);
    b.setWeights(a.getWeights());
    return [a, b];
  }

  it('trains and validates on blurred, noisy LR when asked, and records it in the model', async () => {
    // A real 32 x 48 crop of the shipped scene; columns 32-47 held out.
    const scene = cropCube('s', await readDemoScene(), { row: 100, col: 60, rows: 32, cols: 48 });
    const holdOut = { row: 0, col: 32, rows: 32, cols: 16 };
    const common = {
      scenes: [scene],
      scale: 2,
      steps: 2,
      batchSize: 2,
      patchSize: 16,
      stride: 8,
      seed: 3,
      holdOut,
      validateEvery: 2,
    };
    const [plainNet, blurNet] = twins();
    const plain = await trainOnScenes({ ...common, student: plainNet });
    const blurred = await trainOnScenes({
      ...common,
      student: blurNet,
      degradation: { blur: { sigma: 1.5 }, noise: { snrDb: 20, seed: 1 } },
    });
    // Same weights, same patches: the first step's loss differs only through the LR inputs.
    expect(blurred.result.history[0].total).not.toBeCloseTo(plain.result.history[0].total, 6);
    // Validation on the held-out region sees the degradation too: bicubic-skip nets score worse.
    expect(blurred.finalValidation!.mpsnr).toBeLessThan(plain.finalValidation!.mpsnr);
    expect(readModelMetadata(blurred.model).training?.degradation).toEqual({
      blur: { sigma: 1.5 },
      noise: { snrDb: 20, seed: 1 },
    });
    expect(readModelMetadata(plain.model).training?.degradation).toBeNull();
    plain.result.dispose();
    blurred.result.dispose();
  });

  it('validates on whole held-out scenes (validationScenes), and refuses one of another band count', async () => {
    const demo = await readDemoScene();
    const train = cropCube('train', demo, { row: 100, col: 60, rows: 32, cols: 32 });
    const held = cropCube('held', demo, { row: 20, col: 150, rows: 32, cols: 32 });
    const common = {
      scenes: [train],
      scale: 2,
      steps: 2,
      batchSize: 2,
      patchSize: 16,
      stride: 8,
      seed: 5,
      validateEvery: 1,
    };
    const [a, b] = twins();
    const once = await trainOnScenes({ ...common, student: a, validationScenes: [held] });
    // The same scene twice: the same patches twice, so the same mean score.
    const twice = await trainOnScenes({ ...common, student: b, validationScenes: [held, held] });
    expect(once.result.validations.map((v) => v.step)).toEqual([1, 2]);
    expect(twice.finalValidation!.mpsnr).toBeCloseTo(once.finalValidation!.mpsnr, 5);
    // Validation selects nothing: both runs trained alike.
    expect(twice.result.history.map((h) => h.total)).toEqual(
      once.result.history.map((h) => h.total),
    );
    once.result.dispose();
    twice.result.dispose();
    const other = { ...held, bands: 30, data: held.data.slice(0, 32 * 32 * 30) };
    const [c] = twins();
    await expect(
      trainOnScenes({ ...common, student: c, validationScenes: [other as typeof held] }),
    ).rejects.toThrow(/validation scene has 30 bands, the training scenes 31/);
    c.dispose();
  });
});
