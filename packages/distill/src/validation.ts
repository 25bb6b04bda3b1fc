import * as tf from '@tensorflow/tfjs';
import type { Batch } from './data-source.js';
import { DistillConfigError } from './errors.js';

/** Scores one predicted image against its ground truth, both `[1, h, w, bands]`. */
export type MetricsFn = (
  gt: tf.Tensor4D,
  pred: tf.Tensor4D,
) => Record<string, number> | Promise<Record<string, number>>;

/** The validation set: an array of batches, or a factory giving a fresh (async) iterable each time. */
export type ValidationData = readonly Batch[] | (() => Iterable<Batch> | AsyncIterable<Batch>);

export interface ValidationResult {
  /** Steps completed when it ran. */
  step: number;
  /** Number of images scored. */
  images: number;
  /** Each metric averaged over the images (mpsnr, mssim, sam, ergas, cc, rmse with the default). */
  metrics: Record<string, number>;
}

const HSI_METRICS = ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const;

/**
 * The default scorer: @hsrkit/hsi-data's `computeMetrics` (preset 'sspsr' unless given; `scale`
 * is ERGAS's resolution ratio, `dataRange` the PSNR/SSIM peak), loaded on first use so the trainer
 * does not pull the data package in until validation runs.
 */
export function hsiMetrics(
  opts: { preset?: 'sspsr' | 'mcnet'; scale?: number; dataRange?: number } = {},
): MetricsFn {
  return async (gt, pred) => {
    const { computeMetrics } = await import('@hsrkit/hsi-data');
    const report = await computeMetrics(gt, pred, {
      preset: opts.preset ?? 'sspsr',
      scale: opts.scale,
      dataRange: opts.dataRange,
    });
    const out: Record<string, number> = {};
    for (const k of HSI_METRICS) out[k] = report[k];
    return out;
  };
}

/**
 * Runs the student (inference mode) over every validation image and averages each metric.
 * Images of a batch are scored one by one. Disposes every tensor it makes; the validation
 * batches themselves belong to the caller.
 */
export async function validate(
  student: tf.LayersModel,
  data: ValidationData,
  metrics: MetricsFn,
  step: number,
): Promise<ValidationResult> {
  const sums: Record<string, number> = {};
  let images = 0;
  const items = typeof data === 'function' ? data() : data;
  for await (const batch of items as AsyncIterable<Batch>) {
    const pred = tf.tidy(() => student.apply(batch.lr, { training: false }) as tf.Tensor4D);
    try {
      if (pred.shape.some((d, i) => d !== batch.hr.shape[i]))
        throw new DistillConfigError(
          'validation.data',
          `student output [${pred.shape}] does not match hr [${batch.hr.shape}] (image ${images})`,
        );
      const n = pred.shape[0];
      for (let i = 0; i < n; i++) {
        const [g, p] = tf.tidy(() => [
          tf.slice(batch.hr, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D,
          tf.slice(pred, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D,
        ]);
        try {
          const m = await metrics(g, p);
          for (const [k, v] of Object.entries(m))
            if (typeof v === 'number') sums[k] = (sums[k] ?? 0) + v;
        } finally {
          g.dispose();
          p.dispose();
        }
        images++;
      }
    } finally {
      pred.dispose();
    }
  }
  if (images === 0) throw new DistillConfigError('validation.data', 'the validation set is empty');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) out[k] = v / images;
  return { step, images, metrics: out };
}
