import * as tf from '@tensorflow/tfjs';
import type { CheckpointState, CheckpointStore, StoredArray } from './checkpoint.js';
import {
  type Batch,
  type DataSource,
  disposeBatch,
  isResumable,
  openBatchReader,
} from './data-source.js';
import { type DecaySpec, resolveDecay } from './decay-schedules.js';
import { CheckpointError, DistillConfigError, DistillDataError } from './errors.js';
import { cosineAlignmentLoss, gradientLoss, l1Loss, l2Loss, spectralAngleLoss } from './losses.js';
import { type LrScheduleSpec, resolveLrSchedule } from './lr-schedules.js';
import { createOptimizer, type OptimizerSpec, setLearningRate } from './optimizers.js';
import { SeededRng } from './rng.js';
import { requireFinite, type Schedule } from './schedule.js';
import { channelsOf, createAdapter, tapModel } from './taps.js';
import {
  hsiMetrics,
  type MetricsFn,
  type ValidationData,
  type ValidationResult,
  validate,
} from './validation.js';

/** A pair of aligned features: a layer of the student and one of the teacher, by name. */
export interface TapSpec {
  student: string;
  teacher: string;
  /** This pair's share of the alignment terms (default 1). */
  weight?: number;
}

/**
 * Loss = wRec * Rec(out, hr) + alpha * D(t) * sum over taps of
 *        weight * (cosine * (1 - cos) + sam * SAM + gradient * |grad_s - grad_t|).
 */
export interface LossSpec {
  /** 'l1' (default) or 'l2'. */
  reconstruction?: 'l1' | 'l2';
  reconstructionWeight?: number;
  /** The teacher's overall weight (default 1). */
  alpha?: number;
  /** Weight of (1 - cosine similarity) (default 1). */
  cosine?: number;
  /** Weight of the spectral angle in radians (default 1). */
  sam?: number;
  /** Weight of the spatial-gradient L1 term (default 1). */
  gradient?: number;
}

export interface ValidationOptions {
  data: ValidationData;
  /** Validate after every `every` steps, and after the last. */
  every: number;
  /** Scorer per image; default @hsrkit/hsi-data computeMetrics with preset 'sspsr'. */
  metrics?: MetricsFn;
}

export interface CheckpointOptions {
  /** A folder on disk (Node) ... */
  dir?: string;
  /** ... or any store (browser: IndexedDB, memory). */
  store?: CheckpointStore;
  /** Save after every `every` steps and after the last. */
  every: number;
  /** Checkpoints kept in `dir` (default 2). */
  keep?: number;
  /** Save when stopped by the AbortSignal (default true). */
  onAbort?: boolean;
}

export interface TrainOptions {
  student: tf.LayersModel;
  teacher?: tf.LayersModel;
  /** Feature pairs to align; a string names the same layer in both models. */
  taps?: (TapSpec | string)[];
  /**
   * Per tap: a model mapping the student feature to the teacher's width (trained with the
   * student), null for none; or 'auto' (default): a seeded 1x1 conv where widths differ.
   */
  adapters?: 'auto' | (tf.LayersModel | null)[];
  loss?: LossSpec;
  optimizer: OptimizerSpec;
  /** Learning rate: a spec, a fixed number, or a function of (step, totalSteps). */
  schedule: LrScheduleSpec | Schedule | number;
  /** D(t) for the teacher's weight (default constant 1). */
  decay?: DecaySpec | Schedule;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  data: DataSource;
  /** Total optimizer steps of the run. */
  steps: number;
  /** Seeds the trainer's generator (adapter init, data sources that take an rng). Default 0. */
  seed?: number;
  /** Dispose each training batch after its step (default true). */
  disposeBatches?: boolean;
  validation?: ValidationOptions;
  checkpoint?: CheckpointOptions;
  /** true: continue from the newest checkpoint in the store if there is one; or a state to continue from. */
  resume?: boolean | CheckpointState;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
  /** Keep every step's losses in the result (default true). */
  keepHistory?: boolean;
}

export interface StepLosses {
  total: number;
  reconstruction: number;
  cosine: number;
  sam: number;
  gradient: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
}

export interface StepRecord extends StepLosses {
  /** Steps completed after this one. */
  step: number;
  lr: number;
  decay: number;
}

export interface ProgressEvent {
  step: number;
  totalSteps: number;
  losses: StepLosses;
  lr: number;
  /** D(t) used at this step. */
  decay: number;
  stepsPerSecond: number;
  /** Seconds left at the current rate. */
  etaSeconds: number;
  elapsedSeconds: number;
  /** Set on steps where validation ran. */
  validation?: ValidationResult;
  /** Set on steps where a checkpoint was written: where. */
  checkpoint?: string;
}

export interface TrainResult {
  /** Steps completed (of the whole run, counting those before a resume). */
  step: number;
  totalSteps: number;
  aborted: boolean;
  /** The checkpoint step this call continued from, or null for a fresh start. */
  resumedFrom: number | null;
  history: StepRecord[];
  validations: ValidationResult[];
  lastCheckpoint?: string;
  /** The adapters in use, one per tap (null where none). */
  adapters: (tf.LayersModel | null)[];
  /** Releases adapters the trainer created. */
  dispose(): void;
}

interface ResolvedTap {
  student: string;
  teacher: string;
  weight: number;
}

function resolveTaps(taps: TrainOptions['taps']): ResolvedTap[] {
  return (taps ?? []).map((t, i) => {
    const spec = typeof t === 'string' ? { student: t, teacher: t } : t;
    if (!spec || typeof spec.student !== 'string' || typeof spec.teacher !== 'string')
      throw new DistillConfigError(`taps[${i}]`, 'expected a layer name or {student, teacher}');
    const weight = spec.weight ?? 1;
    requireFinite(`taps[${i}].weight`, weight);
    return { student: spec.student, teacher: spec.teacher, weight };
  });
}

function checkSteps(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new DistillConfigError(field, `expected an integer >= ${min}, got ${String(v)}`);
  return v;
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

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
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
 * Trains `student` on `data` for `steps` optimizer steps: supervised (no teacher) or distilled
 * from `teacher` through feature taps. Resolves when done or when `signal` aborts (then
 * `aborted` is true and, with checkpoints on, the state is saved). Uses whatever TF.js backend
 * is active; it never selects one.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { student, teacher } = opts;
  if (!(student instanceof tf.LayersModel))
    throw new DistillConfigError('student', 'expected a tf.LayersModel');
  if (teacher !== undefined && !(teacher instanceof tf.LayersModel))
    throw new DistillConfigError('teacher', 'expected a tf.LayersModel');
  const totalSteps = checkSteps('steps', opts.steps, 1);
  const taps = resolveTaps(opts.taps);
  if (teacher && taps.length === 0)
    throw new DistillConfigError('taps', 'a teacher needs at least one feature tap');
  if (!teacher && taps.length > 0)
    throw new DistillConfigError('teacher', 'taps are given but no teacher');
  const loss = opts.loss ?? {};
  const recKind = loss.reconstruction ?? 'l1';
  if (recKind !== 'l1' && recKind !== 'l2')
    throw new DistillConfigError(
      'loss.reconstruction',
      `expected 'l1' or 'l2', got ${JSON.stringify(recKind)}`,
    );
  const wRec = requireFinite('loss.reconstructionWeight', loss.reconstructionWeight ?? 1);
  const alpha = requireFinite('loss.alpha', loss.alpha ?? 1);
  const wCos = requireFinite('loss.cosine', loss.cosine ?? 1);
  const wSam = requireFinite('loss.sam', loss.sam ?? 1);
  const wGrad = requireFinite('loss.gradient', loss.gradient ?? 1);
  const lrAt = resolveLrSchedule(opts.schedule);
  const decayAt = resolveDecay(opts.decay);
  const clipNorm = opts.clipNorm;
  if (clipNorm !== undefined && !(typeof clipNorm === 'number' && clipNorm > 0))
    throw new DistillConfigError('clipNorm', `expected a number > 0, got ${String(clipNorm)}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new DistillConfigError('seed', `expected an integer, got ${String(seed)}`);
  const disposeBatches = opts.disposeBatches ?? true;
  const keepHistory = opts.keepHistory ?? true;
  const val = opts.validation;
  if (val) checkSteps('validation.every', val.every, 1);
  const ck = opts.checkpoint;
  if (ck) {
    checkSteps('checkpoint.every', ck.every, 1);
    if (!ck.dir && !ck.store) throw new DistillConfigError('checkpoint', 'give a dir or a store');
  }
  if (opts.resume === true && !ck)
    throw new DistillConfigError('resume', 'resume: true needs checkpoint.dir or checkpoint.store');

  // Models with the feature taps as extra outputs; they share the originals' layers.
  const sTapped = tapModel(
    student,
    taps.map((t) => t.student),
    'taps (student)',
  );
  const tTapped = teacher
    ? tapModel(
        teacher,
        taps.map((t) => t.teacher),
        'taps (teacher)',
      )
    : undefined;

  const rng = new SeededRng(seed);
  const ownAdapters: tf.LayersModel[] = [];
  let adapters: (tf.LayersModel | null)[];
  const given = opts.adapters ?? 'auto';
  if (given === 'auto') {
    adapters = taps.map((t, i) => {
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
      ownAdapters.push(a);
      return a;
    });
  } else if (Array.isArray(given)) {
    if (given.length !== taps.length)
      throw new DistillConfigError('adapters', `${given.length} adapters for ${taps.length} taps`);
    given.forEach((a, i) => {
      if (a !== null && !(a instanceof tf.LayersModel))
        throw new DistillConfigError(`adapters[${i}]`, 'expected a tf.LayersModel or null');
    });
    adapters = given.slice();
  } else {
    throw new DistillConfigError(
      'adapters',
      `expected 'auto' or an array, got ${JSON.stringify(given)}`,
    );
  }

  const disposeOwn = () => {
    for (const a of ownAdapters) a.dispose();
    ownAdapters.length = 0;
  };

  // Trainable variables in a fixed order: the optimizer's slots follow it (and checkpoints do).
  const trainables = [student, ...adapters.filter((a): a is tf.LayersModel => a !== null)].flatMap(
    (m) => m.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  if (trainables.length === 0) {
    disposeOwn();
    throw new DistillConfigError('student', 'has no trainable weights');
  }

  const optimizer = createOptimizer(opts.optimizer, lrAt(0, totalSteps));
  let store: CheckpointStore | undefined = ck?.store;
  if (ck && !store) {
    const { nodeCheckpointStore } = await import('./checkpoint-node.js');
    store = nodeCheckpointStore(ck.dir!, { keep: ck.keep });
  }

  const capture = async (done: number): Promise<CheckpointState> => {
    const named = await optimizer.getWeights();
    try {
      return {
        step: done,
        totalSteps,
        rngState: rng.getState(),
        dataState: { nextStep: done },
        optimizerType: opts.optimizer.type,
        student: await Promise.all(student.weights.map((w) => toStored(w.name, w.read()))),
        adapters: await Promise.all(
          adapters.map((a) =>
            a ? Promise.all(a.weights.map((w) => toStored(w.name, w.read()))) : [],
          ),
        ),
        optimizer: await Promise.all(named.map((n) => toStored(n.name, n.tensor))),
        meta: { seed, taps },
      };
    } finally {
      // getWeights() makes a fresh scalar for the iteration count; the rest are live slots.
      named[0]?.tensor.dispose();
    }
  };

  const restore = async (state: CheckpointState, source: string) => {
    if (state.totalSteps !== totalSteps)
      throw new CheckpointError(
        source,
        `was written for a run of ${state.totalSteps} steps, this run has ${totalSteps}`,
      );
    if (state.optimizerType !== opts.optimizer.type)
      throw new CheckpointError(
        source,
        `holds '${state.optimizerType}' optimizer state, this run uses '${opts.optimizer.type}'`,
      );
    if (state.adapters.length !== adapters.length)
      throw new CheckpointError(
        source,
        `has ${state.adapters.length} adapter slots, this run has ${adapters.length} taps`,
      );
    restoreWeights(student, state.student, 'student', source);
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
      await optimizer.setWeights(named);
    } finally {
      // setWeights turns each into a variable sharing the data: dropping ours keeps theirs.
      tf.dispose(named.map((n) => n.tensor));
    }
    rng.setState(state.rngState);
  };

  let start = 0;
  let resumedFrom: number | null = null;
  try {
    if (opts.resume) {
      const state = opts.resume === true ? await store!.load() : opts.resume;
      if (state && state.step > 0 && !isResumable(opts.data))
        throw new DistillConfigError(
          'data',
          `cannot resume at step ${state.step} from a plain iterable; give a source with batchAt(step) or fromStep(step)`,
        );
      if (state) {
        await restore(state, opts.resume === true ? (ck?.dir ?? 'store') : '(given state)');
        start = state.step;
        resumedFrom = state.step;
      }
    }
  } catch (e) {
    optimizer.dispose();
    disposeOwn();
    throw e;
  }

  const history: StepRecord[] = [];
  const validations: ValidationResult[] = [];
  let lastCheckpoint: string | undefined;
  let lastSavedStep = resumedFrom ?? -1;
  let aborted = false;
  let done = start;
  const t0 = performance.now();
  const reader = start < totalSteps ? openBatchReader(opts.data, start) : undefined;
  const metrics = val?.metrics ?? hsiMetrics();
  const checkedShapes = new Set<string>();

  const saveAt = async (step: number): Promise<string> => {
    const path = await store!.save(await capture(step));
    lastSavedStep = step;
    lastCheckpoint = path;
    return path;
  };

  try {
    for (let s = start; s < totalSteps; s++) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const batch: Batch = await reader!.next(s, rng);
      const lr = lrAt(s, totalSteps);
      const d = teacher ? decayAt(s, totalSteps) : 0;
      if (!Number.isFinite(lr) || lr <= 0)
        throw new DistillConfigError(
          'schedule',
          `learning rate at step ${s} is ${lr}; it must be finite and > 0`,
        );
      if (!Number.isFinite(d)) throw new DistillConfigError('decay', `D(t) at step ${s} is ${d}`);
      let record: StepLosses;
      try {
        checkBatch(batch, s);
        record = await trainStep(batch, s, lr, d);
      } finally {
        if (disposeBatches && batch) disposeBatch(batch);
      }
      done = s + 1;
      if (keepHistory) history.push({ step: done, lr, decay: d, ...record });
      const event: ProgressEvent = {
        step: done,
        totalSteps,
        losses: record,
        lr,
        decay: d,
        ...rate(done),
      };
      if (val && (done % val.every === 0 || done === totalSteps)) {
        event.validation = await validate(student, val.data, metrics, done);
        validations.push(event.validation);
      }
      if (store && (done % ck!.every === 0 || done === totalSteps))
        event.checkpoint = await saveAt(done);
      await opts.onProgress?.(event);
    }
    if (aborted && store && (ck!.onAbort ?? true) && lastSavedStep !== done) await saveAt(done);
  } catch (e) {
    // The caller never gets a handle on adapters made here: release them with the error.
    disposeOwn();
    throw e;
  } finally {
    await reader?.close();
    optimizer.dispose();
  }

  return {
    step: done,
    totalSteps,
    aborted,
    resumedFrom,
    history,
    validations,
    lastCheckpoint,
    adapters,
    dispose: disposeOwn,
  };

  function rate(completed: number) {
    const elapsedSeconds = (performance.now() - t0) / 1000;
    const stepsPerSecond = elapsedSeconds > 0 ? (completed - start) / elapsedSeconds : 0;
    const etaSeconds =
      stepsPerSecond > 0 ? (totalSteps - completed) / stepsPerSecond : Number.POSITIVE_INFINITY;
    return { stepsPerSecond, etaSeconds, elapsedSeconds };
  }

  /**
   * Shape inference before the gradient tape starts: an op failing inside tf.variableGrads
   * leaks the tensors the tape saved, so mismatches are caught here. Cached per input shape.
   */
  function checkShapes(batch: Batch, teacherFeats: tf.Tensor[], s: number) {
    const key = `${batch.lr.shape}|${batch.hr.shape}|${teacherFeats.map((t) => t.shape).join(';')}`;
    if (checkedShapes.has(key)) return;
    const raw = sTapped.computeOutputShape(batch.lr.shape) as tf.Shape | tf.Shape[];
    const shapes = (taps.length > 0 ? raw : [raw]) as tf.Shape[];
    const pred = shapes[0];
    if (!sameShape(pred as number[], batch.hr.shape))
      throw new DistillDataError(
        s,
        `student output [${pred}] for lr [${batch.lr.shape}] does not match hr [${batch.hr.shape}]`,
      );
    taps.forEach((tap, i) => {
      const a = adapters[i];
      const sf = (a ? a.computeOutputShape(shapes[1 + i]) : shapes[1 + i]) as number[];
      if (!sameShape(sf, teacherFeats[i].shape))
        throw new DistillDataError(
          s,
          `tap ${i} ('${tap.student}' -> '${tap.teacher}'): student feature${a ? ' after the adapter' : ''} [${sf}] vs teacher [${teacherFeats[i].shape}]`,
        );
    });
    checkedShapes.add(key);
  }

  function checkBatch(batch: Batch, s: number) {
    if (!batch || !(batch.lr instanceof tf.Tensor) || !(batch.hr instanceof tf.Tensor))
      throw new DistillDataError(s, 'expected {lr, hr} tensors');
    if (batch.lr.rank !== 4 || batch.hr.rank !== 4)
      throw new DistillDataError(
        s,
        `lr [${batch.lr.shape}] and hr [${batch.hr.shape}] must both be NHWC (rank 4)`,
      );
    if (batch.lr.shape[0] !== batch.hr.shape[0])
      throw new DistillDataError(
        s,
        `lr has ${batch.lr.shape[0]} images, hr has ${batch.hr.shape[0]}`,
      );
  }

  async function trainStep(batch: Batch, s: number, lr: number, d: number): Promise<StepLosses> {
    // Teacher features are constants of the step: computed outside the gradient tape.
    const teacherFeats: tf.Tensor[] = tTapped
      ? tf.tidy(() => {
          const outs = tTapped.apply(batch.lr, { training: false }) as tf.Tensor[];
          return outs.slice(1);
        })
      : [];
    const parts: tf.Scalar[] = [];
    try {
      checkShapes(batch, teacherFeats, s);
      const { value, grads } = tf.variableGrads(() => {
        const raw = sTapped.apply(batch.lr, { training: true }) as tf.Tensor | tf.Tensor[];
        const outs = Array.isArray(raw) ? raw : [raw];
        const pred = outs[0];
        const rec = recKind === 'l1' ? l1Loss(pred, batch.hr) : l2Loss(pred, batch.hr);
        let cos = tf.scalar(0);
        let sam = tf.scalar(0);
        let grad = tf.scalar(0);
        taps.forEach((tap, i) => {
          const a = adapters[i];
          const sf = a ? (a.apply(outs[1 + i], { training: true }) as tf.Tensor) : outs[1 + i];
          const tfeat = teacherFeats[i];
          if (wCos !== 0) cos = tf.add(cos, tf.mul(cosineAlignmentLoss(sf, tfeat), tap.weight));
          if (wSam !== 0) sam = tf.add(sam, tf.mul(spectralAngleLoss(sf, tfeat), tap.weight));
          if (wGrad !== 0)
            grad = tf.add(
              grad,
              tf.mul(gradientLoss(sf as tf.Tensor4D, tfeat as tf.Tensor4D), tap.weight),
            );
        });
        const align = tf.addN([tf.mul(cos, wCos), tf.mul(sam, wSam), tf.mul(grad, wGrad)]);
        const total = tf.add(tf.mul(rec, wRec), tf.mul(align, alpha * d)) as tf.Scalar;
        parts.push(tf.keep(rec), tf.keep(cos), tf.keep(sam), tf.keep(grad));
        return total;
      }, trainables);
      const ordered = trainables.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const gradNorm = tf.tidy(
        () => tf.sqrt(tf.addN(ordered.map((g) => tf.sum(tf.square(g))))) as tf.Scalar,
      );
      let applied = ordered;
      if (clipNorm !== undefined) {
        applied = tf.tidy(() => {
          const scale = tf.div(clipNorm, tf.maximum(gradNorm, clipNorm));
          return ordered.map((g) => tf.mul(g, scale));
        });
      }
      // Read the losses before applying: a non-finite loss stops the run with the weights intact.
      const summary = tf.stack([value, ...parts, gradNorm]);
      const values = await summary.data();
      summary.dispose();
      const [total, reconstruction, cosine, sam, gradient, gn] = Array.from(values);
      try {
        if (!Number.isFinite(total) || !Number.isFinite(gn))
          throw new DistillDataError(
            s,
            `loss is ${total}, gradient norm ${gn} (reconstruction ${reconstruction}, cosine ${cosine}, sam ${sam}, gradient ${gradient})`,
          );
        setLearningRate(optimizer, lr);
        optimizer.applyGradients(trainables.map((v, i) => ({ name: v.name, tensor: applied[i] })));
      } finally {
        tf.dispose([value, gradNorm, ...ordered, ...Object.values(grads)]);
        if (applied !== ordered) tf.dispose(applied);
      }
      return { total, reconstruction, cosine, sam, gradient, gradNorm: gn };
    } finally {
      tf.dispose(parts);
      tf.dispose(teacherFeats);
    }
  }
}
