import * as tf from '@tensorflow/tfjs';
import { checkBatch, shapeCheck } from './batch-checks.js';
import type { Batch } from './data-source.js';
import { DistillDataError } from './errors.js';
import { setLearningRate } from './optimizers.js';
import type { LossWeights, ResolvedTap } from './resolve-options.js';
import { stepLoss } from './step-loss.js';
import { sumTensors } from './sum-tensors.js';
import type { StepLosses } from './train-result.js';

/** What one optimizer step works on. The tapped models share the originals' layers. */
export interface StepParts {
  /** The student returning [output, ...tap features]. */
  studentTapped: tf.LayersModel;
  /** The teacher returning [output, ...tap features]; absent for supervised training. */
  teacherTapped?: tf.LayersModel;
  taps: readonly ResolvedTap[];
  adapters: readonly (tf.LayersModel | null)[];
  optimizer: tf.Optimizer;
  trainables: readonly tf.Variable[];
  loss: LossWeights;
  clipNorm?: number;
}

/** One optimizer step on a batch at learning rate `lr` and teacher weight D(t) = `decay`. */
export type TrainStep = (
  batch: Batch,
  step: number,
  lr: number,
  decay: number,
) => Promise<StepLosses>;

/**
 * The step function of a run: checks the batch, computes the loss and its gradients, clips
 * them to the global norm, and applies them unless the loss is not finite (then it throws a
 * DistillDataError and the weights stay as they were). Leaves no tensors behind.
 */
export function createTrainStep(parts: StepParts): TrainStep {
  const { studentTapped, teacherTapped, taps, adapters, optimizer, trainables, loss, clipNorm } =
    parts;
  const checkShapes = shapeCheck(studentTapped, taps, adapters);
  return async (batch, s, lr, d) => {
    checkBatch(batch, s);
    // Teacher features are constants of the step: computed outside the gradient tape.
    const teacherFeats: tf.Tensor[] = teacherTapped
      ? tf.tidy(() => {
          const outs = teacherTapped.apply(batch.lr, { training: false }) as tf.Tensor[];
          return outs.slice(1);
        })
      : [];
    const kept: tf.Scalar[] = [];
    try {
      checkShapes(batch, teacherFeats, s);
      const { value, grads } = tf.variableGrads(() => {
        const raw = studentTapped.apply(batch.lr, { training: true }) as tf.Tensor | tf.Tensor[];
        const outs = Array.isArray(raw) ? raw : [raw];
        const terms = stepLoss(outs, batch.hr, teacherFeats, taps, adapters, loss, d);
        kept.push(
          tf.keep(terms.reconstruction),
          tf.keep(terms.spectral),
          tf.keep(terms.cosine),
          tf.keep(terms.sam),
          tf.keep(terms.gradient),
        );
        return terms.total;
      }, trainables as tf.Variable[]);
      const ordered = trainables.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const gradNorm = tf.tidy(
        () => tf.sqrt(sumTensors(ordered.map((g) => tf.sum(tf.square(g))))) as tf.Scalar,
      );
      let applied = ordered;
      if (clipNorm !== undefined) {
        applied = tf.tidy(() => {
          const scale = tf.div(clipNorm, tf.maximum(gradNorm, clipNorm));
          return ordered.map((g) => tf.mul(g, scale));
        });
      }
      // Read the losses before applying: a non-finite loss stops the run with the weights intact.
      const summary = tf.stack([value, ...kept, gradNorm]);
      const values = await summary.data();
      summary.dispose();
      const [total, reconstruction, spectral, cosine, sam, gradient, gn] = Array.from(values);
      try {
        if (!Number.isFinite(total) || !Number.isFinite(gn))
          throw new DistillDataError(
            s,
            `loss is ${total}, gradient norm ${gn} (reconstruction ${reconstruction}, spectral ${spectral}, cosine ${cosine}, sam ${sam}, gradient ${gradient})`,
          );
        setLearningRate(optimizer, lr);
        optimizer.applyGradients(trainables.map((v, i) => ({ name: v.name, tensor: applied[i] })));
      } finally {
        tf.dispose([value, gradNorm, ...ordered, ...Object.values(grads)]);
        if (applied !== ordered) tf.dispose(applied);
      }
      return { total, reconstruction, spectral, cosine, sam, gradient, gradNorm: gn };
    } finally {
      tf.dispose(kept);
      tf.dispose(teacherFeats);
    }
  };
}
