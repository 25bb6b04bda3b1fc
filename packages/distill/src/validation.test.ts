import { computeMetrics } from '@hsrkit/hsi-data';
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
    const images: { hr: Float32Array; pred: Float32Array }[] = [];
    for (const b of batches) {
      const y = student.predict(b.lr) as tf.Tensor;
      const pred = (await y.data()) as Float32Array;
      y.dispose();
      const hr = (await b.hr.data()) as Float32Array;
      const per = 8 * 8 * 3;
      for (let i = 0; i < 2; i++) {
        const image = {
          hr: hr.slice(i * per, (i + 1) * per),
          pred: pred.slice(i * per, (i + 1) * per),
        };
        images.push(image);
        perImage.push(refMpsnr(image.hr, image.pred, 3));
      }
    }
    const dispose = () => {
      for (const b of batches) tf.dispose([b.lr, b.hr]);
      student.dispose();
    };
    return { student, batches, perImage, images, dispose };
  }

  /** RMSE and mean spectral angle (degrees) of one 8 x 8 x 3 image, from the definitions. */
  function rmseAndSam(hr: Float32Array, pred: Float32Array) {
    let se = 0;
    let angles = 0;
    for (let p = 0; p < hr.length; p += 3) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < 3; k++) {
        se += (hr[p + k] - pred[p + k]) ** 2;
        dot += hr[p + k] * pred[p + k];
        na += hr[p + k] ** 2;
        nb += pred[p + k] ** 2;
      }
      angles += (Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)))) * 180) / Math.PI;
    }
    return { rmse: Math.sqrt(se / hr.length), sam: angles / (hr.length / 3) };
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

  it('the default scorer is hsi-data computeMetrics (sspsr): every value matches its reference', async () => {
    const { student, batches, perImage, images, dispose } = await setup();
    const r = await validate(student, batches, hsiMetrics(), 1);
    expect(Object.keys(r.metrics).sort()).toEqual(['cc', 'ergas', 'mpsnr', 'mssim', 'rmse', 'sam']);
    // From the definitions, per image, averaged: per-band PSNR (peak 1), RMSE, spectral angle.
    expect(r.metrics.mpsnr).toBeCloseTo(mean(perImage), 3);
    const own = images.map((im) => rmseAndSam(im.hr, im.pred));
    expect(r.metrics.rmse).toBeCloseTo(mean(own.map((o) => o.rmse)), 5);
    expect(r.metrics.sam).toBeCloseTo(mean(own.map((o) => o.sam)), 3);
    // SSIM, CC, ERGAS: hsi-data's computeMetrics on the same arrays, image by image (its numbers
    // are checked against scikit-image / numpy in hsi-data), averaged here: catches a scorer that
    // scores the batch as one image, drops images, or swaps ground truth and prediction.
    const ref = await Promise.all(
      images.map((im) =>
        computeMetrics(
          { rows: 8, cols: 8, bands: 3, interleave: 'bip', data: im.hr },
          { rows: 8, cols: 8, bands: 3, interleave: 'bip', data: im.pred },
          { preset: 'sspsr' },
        ),
      ),
    );
    for (const k of ['mssim', 'cc', 'ergas'] as const)
      expect(r.metrics[k], k).toBeCloseTo(mean(ref.map((m) => m[k])), 5);
    // The reference is not trivially close to anything: the student is far from perfect.
    expect(r.metrics.mssim).toBeLessThan(0.99);
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
