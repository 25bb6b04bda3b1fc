import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStudent, stepData, supervisedRun } from '../test/fixtures.js';
import { mean, refMpsnr } from '../test/reference.js';
import { DistillConfigError } from './errors.js';
import { SeededRng } from './rng.js';
import { train } from './trainer.js';
import { hsiMetrics, validate } from './validation.js';

describe('validation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  // Two batches of two images each; the reference scores every image from the student's predict.
  async function setup() {
    const student = buildStudent(21);
    const src = stepData({ seed: 5 });
    const rng = new SeededRng(3);
    const batches = [src.batchAt(0, rng), src.batchAt(1, rng)];
    const perImage: number[] = [];
    for (const b of batches) {
      const pred = await (student.predict(b.lr) as tf.Tensor).data();
      const hr = await b.hr.data();
      const per = 8 * 8 * 3;
      for (let i = 0; i < 2; i++)
        perImage.push(
          refMpsnr(hr.subarray(i * per, (i + 1) * per), pred.subarray(i * per, (i + 1) * per), 3),
        );
    }
    const dispose = () => {
      for (const b of batches) tf.dispose([b.lr, b.hr]);
      student.dispose();
    };
    return { student, batches, perImage, dispose };
  }

  it('averages a per-image metric over every image of every batch, without leaks', async () => {
    const { student, batches, perImage, dispose } = await setup();
    const before = tf.memory().numTensors;
    const psnr = async (gt: tf.Tensor4D, pred: tf.Tensor4D) => ({
      psnr: refMpsnr(await gt.data(), await pred.data(), gt.shape[3]),
    });
    const r = await validate(student, batches, psnr, 17);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.step).toBe(17);
    expect(r.images).toBe(4);
    expect(r.metrics.psnr).toBeCloseTo(mean(perImage), 4);
    await expect(validate(student, [], psnr, 0)).rejects.toThrow(DistillConfigError);
    dispose();
  });

  it('the default scorer is hsi-data computeMetrics (sspsr): its mpsnr matches the reference', async () => {
    const { student, batches, perImage, dispose } = await setup();
    const r = await validate(student, batches, hsiMetrics(), 1);
    expect(Object.keys(r.metrics).sort()).toEqual(['cc', 'ergas', 'mpsnr', 'mssim', 'rmse', 'sam']);
    expect(r.metrics.mpsnr).toBeCloseTo(mean(perImage), 3);
    expect(r.metrics.mssim).toBeGreaterThan(0);
    expect(r.metrics.mssim).toBeLessThanOrEqual(1);
    dispose();
  });

  it('train() validates every N steps and after the last, reporting through onProgress', async () => {
    const { student, batches, dispose } = await setup();
    const seen: number[] = [];
    const r = await train({
      student,
      ...supervisedRun(5, 5e-3),
      data: stepData(),
      validation: {
        data: () => batches,
        every: 2,
        metrics: async (g, p) => ({
          rmse: Math.sqrt(mean(Array.from(await tf.squaredDifference(g, p).data()))),
        }),
      },
      onProgress: (e) => {
        if (e.validation) seen.push(e.step);
      },
    });
    expect(seen).toEqual([2, 4, 5]);
    expect(r.validations.map((v) => v.step)).toEqual([2, 4, 5]);
    // Training on the same denoising task improves the held-out error.
    expect(r.validations[2].metrics.rmse).toBeLessThan(r.validations[0].metrics.rmse);
    dispose();
  });
});
