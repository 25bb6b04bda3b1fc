import type { NormalizationRecord } from '@hsrkit/hsi-data';
import * as tf from '@tensorflow/tfjs';
import { UpscaleInputError } from './upscale-input-error.js';

/** What hsrkit records in a saved model's `userDefinedMetadata.hsrkit`. */
export interface HsrkitModelMetadata {
  /** Upscaling factor the model was built for. */
  scale?: number;
  bands?: number;
  /** How input cubes were normalised in training: applied to LR input, inverted on SR output. */
  normalization?: NormalizationRecord;
  /** Free-form provenance: data, region, steps, metrics. */
  training?: Record<string, unknown>;
}

export function readModelMetadata(model: tf.LayersModel): HsrkitModelMetadata {
  const meta = model.getUserDefinedMetadata() as { hsrkit?: HsrkitModelMetadata } | undefined;
  return meta?.hsrkit ?? {};
}

export function withModelMetadata(model: tf.LayersModel, meta: HsrkitModelMetadata): void {
  const current = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined) ?? {};
  model.setUserDefinedMetadata({
    ...current,
    hsrkit: { ...readModelMetadata(model), ...meta },
  } as never);
}

/** Bands the model takes (last input axis). */
export function modelBands(model: tf.LayersModel): number {
  const shape = model.inputs[0].shape;
  return shape[shape.length - 1] as number;
}

/** Scale factor of an SR model: from its metadata, else by running it once on an 8x8 input. */
export function modelScale(model: tf.LayersModel): number {
  const meta = readModelMetadata(model);
  if (meta.scale) return meta.scale;
  const bands = modelBands(model);
  const y = tf.tidy(() => model.predict(tf.zeros([1, 8, 8, bands])) as tf.Tensor);
  const [, h, w] = y.shape;
  y.dispose();
  const s = (h as number) / 8;
  if (!Number.isInteger(s) || s < 1)
    throw new UpscaleInputError(`the model maps 8x8 to ${h}x${w}: not an integer SR scale`);
  return s;
}
