import * as tf from '@tensorflow/tfjs';
import type { Batch } from './data-source.js';
import { DistillDataError } from './errors.js';
import type { ResolvedTap } from './resolve-options.js';
import { sameShape } from './shapes.js';

/** A batch must be two NHWC tensors with the same number of images. */
export function checkBatch(batch: Batch, step: number): void {
  if (!batch || !(batch.lr instanceof tf.Tensor) || !(batch.hr instanceof tf.Tensor))
    throw new DistillDataError(step, 'expected {lr, hr} tensors');
  if (batch.lr.rank !== 4 || batch.hr.rank !== 4)
    throw new DistillDataError(
      step,
      `lr [${batch.lr.shape}] and hr [${batch.hr.shape}] must both be NHWC (rank 4)`,
    );
  if (batch.lr.shape[0] !== batch.hr.shape[0])
    throw new DistillDataError(
      step,
      `lr has ${batch.lr.shape[0]} images, hr has ${batch.hr.shape[0]}`,
    );
}

/**
 * Shape inference before the gradient tape starts: an op failing inside tf.variableGrads
 * leaks the tensors the tape saved, so mismatches are caught here. Cached per input shape.
 * `studentTapped` returns [output, ...tap features] (see `tapModel`).
 */
export function shapeCheck(
  studentTapped: tf.LayersModel,
  taps: readonly ResolvedTap[],
  adapters: readonly (tf.LayersModel | null)[],
): (batch: Batch, teacherFeats: readonly tf.Tensor[], step: number) => void {
  const checked = new Set<string>();
  return (batch, teacherFeats, step) => {
    const key = `${batch.lr.shape}|${batch.hr.shape}|${teacherFeats.map((t) => t.shape).join(';')}`;
    if (checked.has(key)) return;
    const raw = studentTapped.computeOutputShape(batch.lr.shape) as tf.Shape | tf.Shape[];
    const shapes = (taps.length > 0 ? raw : [raw]) as tf.Shape[];
    const pred = shapes[0];
    if (!sameShape(pred as number[], batch.hr.shape))
      throw new DistillDataError(
        step,
        `student output [${pred}] for lr [${batch.lr.shape}] does not match hr [${batch.hr.shape}]`,
      );
    taps.forEach((tap, i) => {
      const a = adapters[i];
      const sf = (a ? a.computeOutputShape(shapes[1 + i]) : shapes[1 + i]) as number[];
      if (!sameShape(sf, teacherFeats[i].shape))
        throw new DistillDataError(
          step,
          `tap ${i} ('${tap.student}' -> '${tap.teacher}'): student feature${a ? ' after the adapter' : ''} [${sf}] vs teacher [${teacherFeats[i].shape}]`,
        );
    });
    checked.add(key);
  };
}
