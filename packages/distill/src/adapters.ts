import * as tf from '@tensorflow/tfjs';
import { DistillConfigError } from './errors.js';
import type { ResolvedTap } from './resolve-options.js';
import type { SeededRng } from './rng.js';
import { channelsOf, createAdapter } from './taps.js';
import type { TrainOptions } from './train-options.js';

/** One adapter (or null) per tap, and the release of those the trainer made itself. */
export interface TapAdapters {
  perTap: (tf.LayersModel | null)[];
  /** Disposes the adapters created here (not the caller's); safe to call twice. */
  disposeOwn(): void;
}

/**
 * The adapters of a run: the caller's (checked against the taps), or with 'auto' a seeded 1x1
 * conv for each tap whose student and teacher widths differ. Seeds come from `rng` in tap
 * order, so the same seed makes the same adapters.
 */
export function resolveAdapters(
  given: TrainOptions['adapters'] = 'auto',
  taps: ResolvedTap[],
  student: tf.LayersModel,
  teacher: tf.LayersModel | undefined,
  rng: SeededRng,
): TapAdapters {
  const own: tf.LayersModel[] = [];
  const disposeOwn = () => {
    for (const a of own) a.dispose();
    own.length = 0;
  };
  if (given === 'auto') {
    const perTap = taps.map((t, i) => {
      const cs = channelsOf(
        student.getLayer(t.student).output as tf.SymbolicTensor,
        `taps[${i}].student`,
      );
      const ct = channelsOf(
        teacher!.getLayer(t.teacher).output as tf.SymbolicTensor,
        `taps[${i}].teacher`,
      );
      if (cs === ct) return null;
      const a = createAdapter(cs, ct, rng.nextSeed());
      own.push(a);
      return a;
    });
    return { perTap, disposeOwn };
  }
  if (!Array.isArray(given))
    throw new DistillConfigError(
      'adapters',
      `expected 'auto' or an array, got ${JSON.stringify(given)}`,
    );
  if (given.length !== taps.length)
    throw new DistillConfigError('adapters', `${given.length} adapters for ${taps.length} taps`);
  given.forEach((a, i) => {
    if (a !== null && !(a instanceof tf.LayersModel))
      throw new DistillConfigError(`adapters[${i}]`, 'expected a tf.LayersModel or null');
  });
  return { perTap: given.slice(), disposeOwn };
}

/**
 * The variables the optimizer updates, in a fixed order (the student's, then each adapter's):
 * the optimizer's slots follow this order, and so do checkpoints.
 */
export function trainableVariables(
  student: tf.LayersModel,
  adapters: readonly (tf.LayersModel | null)[],
): tf.Variable[] {
  return [student, ...adapters.filter((a): a is tf.LayersModel => a !== null)].flatMap((m) =>
    m.trainableWeights.map((w) => w.read() as tf.Variable),
  );
}
