import * as tf from '@tensorflow/tfjs';
import { LowRankReportError } from './errors.js';

export interface OutputError {
  /** Output index and the name of the layer producing it. */
  output: number;
  layer: string;
  maxAbs: number;
  mse: number;
  /** 10 log10(peak^2 / mse); Infinity when the outputs are equal. */
  psnr: number;
  peak: number;
}

/**
 * Runs both models on a calibration batch and measures, per output, how far the second is from
 * the first: max abs error, MSE and PSNR with `peak` (default: max - min of the first model's
 * output on that batch). No tensor is left behind.
 */
export async function outputError(
  reference: tf.LayersModel,
  candidate: tf.LayersModel,
  batch: tf.Tensor | tf.Tensor[],
  options: { peak?: number } = {},
): Promise<OutputError[]> {
  const xs = Array.isArray(batch) ? batch : [batch];
  if (xs.length !== reference.inputs.length)
    throw new LowRankReportError(
      `calibration batch has ${xs.length} tensor(s) but model '${reference.name}' has ${reference.inputs.length} input(s)`,
    );
  xs.forEach((x, i) => {
    const want = reference.inputs[i].shape;
    if (x.rank !== want.length || want.some((d, j) => j > 0 && d != null && d !== x.shape[j]))
      throw new LowRankReportError(
        `calibration input ${i} has shape [${x.shape}] but the model expects [${want.map((d) => d ?? 'null')}]`,
      );
  });
  if (options.peak !== undefined && !(options.peak > 0))
    throw new LowRankReportError(`peak must be > 0, got ${options.peak}`);
  const input = xs.length === 1 ? xs[0] : xs;
  const stats = tf.tidy(() => {
    const a = reference.predict(input);
    const b = candidate.predict(input);
    const la = Array.isArray(a) ? a : [a];
    const lb = Array.isArray(b) ? b : [b];
    if (la.length !== lb.length)
      throw new LowRankReportError(`the models have ${la.length} and ${lb.length} outputs`);
    return la.map((ya, i) => {
      const d = tf.sub(ya, lb[i]);
      return tf.stack([tf.max(tf.abs(d)), tf.mean(tf.square(d)), tf.max(ya), tf.min(ya)]);
    });
  });
  const out: OutputError[] = [];
  for (let i = 0; i < stats.length; i++) {
    const [maxAbs, mse, hi, lo] = Array.from(await stats[i].data());
    const peak = options.peak ?? hi - lo;
    if (!Number.isFinite(maxAbs) || !Number.isFinite(mse))
      throw new LowRankReportError(
        `output ${i} is not finite (NaN or Inf) on the calibration batch`,
      );
    out.push({
      output: i,
      layer: reference.outputs[i].sourceLayer.name,
      maxAbs,
      mse,
      psnr: mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((peak * peak) / mse),
      peak,
    });
  }
  tf.dispose(stats);
  return out;
}
