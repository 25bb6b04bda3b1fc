import type * as tf from '@tensorflow/tfjs';
import type { NormalizationRecord } from '@hsrkit/hsi-data';

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
