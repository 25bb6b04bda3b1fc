import * as tf from '@tensorflow/tfjs';
import type { CheckpointState, StoredArray } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import type { ResolvedTap } from './resolve-options.js';
import type { SeededRng } from './rng.js';
import { sameShape } from './shapes.js';

/** What a checkpoint captures of a run, and what resuming writes back into. */
export interface RunParts {
  student: tf.LayersModel;
  adapters: readonly (tf.LayersModel | null)[];
  optimizer: tf.Optimizer;
  optimizerType: string;
  /** The optimizer's variables, in slot order (see `trainableVariables`). */
  trainables: readonly tf.Variable[];
  rng: SeededRng;
  totalSteps: number;
  seed: number;
  taps: ResolvedTap[];
}

async function toStored(name: string, t: tf.Tensor): Promise<StoredArray> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32')
    throw new CheckpointError(
      '(save)',
      `weight '${name}' has dtype ${t.dtype}; only float32 and int32 are stored`,
    );
  const values = (await t.data()) as Float32Array | Int32Array;
  return { name, shape: t.shape.slice(), dtype: t.dtype, values: values.slice() };
}

function storeWeights(model: tf.LayersModel): Promise<StoredArray[]> {
  return Promise.all(model.weights.map((w) => toStored(w.name, w.read())));
}

/** Writes stored values into a model's weights, checking count and shapes (weights match by order). */
function restoreWeights(
  model: tf.LayersModel,
  stored: StoredArray[],
  what: string,
  source: string,
): void {
  const weights = model.weights;
  if (weights.length !== stored.length)
    throw new CheckpointError(
      source,
      `${what} has ${stored.length} weights in the checkpoint but ${weights.length} in the model`,
    );
  weights.forEach((w, i) => {
    if (!sameShape(w.shape as number[], stored[i].shape))
      throw new CheckpointError(
        source,
        `${what} weight ${i} '${w.name}' has shape [${w.shape}] but the checkpoint's '${stored[i].name}' is [${stored[i].shape}]`,
      );
  });
  const tensors = stored.map((s) => tf.tensor(s.values, s.shape, s.dtype));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Optimizer scalars that `getWeights()` leaves out: TF.js's Adam and Adamax keep beta1^t (and
 * beta2^t) as running products, and their `setWeights` recomputes them as pow(beta, t + 1),
 * which differs from the product in the last float32 bits: a resumed run then drifts from an
 * uninterrupted one (max weight diff 1.2e-4 after a few hundred steps, issue 15). The exact
 * values are kept in the checkpoint's meta (JSON numbers hold a float32 exactly).
 */
const HIDDEN_OPTIMIZER_SCALARS = ['accBeta1', 'accBeta2'] as const;

export async function hiddenOptimizerScalars(
  optimizer: tf.Optimizer,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of HIDDEN_OPTIMIZER_SCALARS) {
    const v = (optimizer as unknown as Record<string, unknown>)[key];
    if (v instanceof tf.Variable) out[key] = (await v.data())[0];
  }
  return out;
}

export function restoreHiddenOptimizerScalars(optimizer: tf.Optimizer, saved: unknown): void {
  if (!saved || typeof saved !== 'object') return;
  for (const key of HIDDEN_OPTIMIZER_SCALARS) {
    const value = (saved as Record<string, unknown>)[key];
    const v = (optimizer as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number' && v instanceof tf.Variable)
      tf.tidy(() => v.assign(tf.scalar(value, 'float32')));
  }
}

/** The run's full state after `done` steps, copied off the device (no tensors kept). */
export async function captureState(
  run: RunParts,
  done: number,
  /** More JSON for the checkpoint's meta (e.g. the seconds the run has taken). */
  extraMeta: Record<string, unknown> = {},
): Promise<CheckpointState> {
  const named = await run.optimizer.getWeights();
  try {
    return {
      step: done,
      totalSteps: run.totalSteps,
      rngState: run.rng.getState(),
      dataState: { nextStep: done },
      optimizerType: run.optimizerType,
      student: await storeWeights(run.student),
      adapters: await Promise.all(run.adapters.map((a) => (a ? storeWeights(a) : []))),
      optimizer: await Promise.all(named.map((n) => toStored(n.name, n.tensor))),
      meta: {
        ...extraMeta,
        seed: run.seed,
        taps: run.taps,
        optimizerScalars: await hiddenOptimizerScalars(run.optimizer),
      },
    };
  } finally {
    // getWeights() makes a fresh scalar for the iteration count; the rest are live slots.
    named[0]?.tensor.dispose();
  }
}

/**
 * Writes a checkpoint back into the run (weights, optimizer slots, generator) after checking
 * that it was written by the same kind of run; a mismatch is a CheckpointError naming `source`.
 */
export async function restoreState(
  run: RunParts,
  state: CheckpointState,
  source: string,
): Promise<void> {
  const { adapters, trainables } = run;
  if (state.totalSteps !== run.totalSteps)
    throw new CheckpointError(
      source,
      `was written for a run of ${state.totalSteps} steps, this run has ${run.totalSteps}`,
    );
  if (state.optimizerType !== run.optimizerType)
    throw new CheckpointError(
      source,
      `holds '${state.optimizerType}' optimizer state, this run uses '${run.optimizerType}'`,
    );
  if (state.adapters.length !== adapters.length)
    throw new CheckpointError(
      source,
      `has ${state.adapters.length} adapter slots, this run has ${adapters.length} taps`,
    );
  restoreWeights(run.student, state.student, 'student', source);
  adapters.forEach((a, i) => {
    if (a) restoreWeights(a, state.adapters[i], `adapter ${i}`, source);
    else if (state.adapters[i].length > 0)
      throw new CheckpointError(
        source,
        `has weights for adapter ${i}, this run has none for that tap`,
      );
  });
  const slots = state.optimizer.slice(1);
  if (state.optimizer.length === 0 || slots.length % trainables.length !== 0)
    throw new CheckpointError(
      source,
      `optimizer state has ${state.optimizer.length} arrays; not 1 + k * ${trainables.length} variables`,
    );
  slots.forEach((s, j) => {
    const v = trainables[j % trainables.length];
    if (!sameShape(s.shape, v.shape))
      throw new CheckpointError(
        source,
        `optimizer slot '${s.name}' is [${s.shape}] but variable '${v.name}' is [${v.shape}]`,
      );
  });
  const named = state.optimizer.map((s) => ({
    name: s.name,
    tensor: tf.tensor(s.values, s.shape, s.dtype),
  }));
  try {
    await run.optimizer.setWeights(named);
  } finally {
    // setWeights turns each into a variable sharing the data: dropping ours keeps theirs.
    tf.dispose(named.map((n) => n.tensor));
  }
  restoreHiddenOptimizerScalars(run.optimizer, state.meta?.optimizerScalars);
  run.rng.setState(state.rngState);
}
