import { prepareTrainingKernels } from '@hsrkit/layers';
import type * as tf from '@tensorflow/tfjs';
import { resolveAdapters, trainableVariables } from './adapters.js';
import type { CheckpointState, CheckpointStore } from './checkpoint.js';
import { captureState, type RunParts, restoreState } from './checkpoint-state.js';
import { type Batch, disposeBatch, isResumable, openBatchReader } from './data-source.js';
import { DistillConfigError } from './errors.js';
import { createOptimizer } from './optimizers.js';
import { type ResolvedTrainOptions, resolveTrainOptions } from './resolve-options.js';
import { SeededRng } from './rng.js';
import { tapModel } from './taps.js';
import type { CheckpointOptions, TrainOptions } from './train-options.js';
import type { ProgressEvent, StepRecord, TrainResult } from './train-result.js';
import { createTrainStep } from './train-step.js';
import { hsiMetrics, type ValidationResult, validate } from './validation.js';

/**
 * Trains `student` on `data` for `steps` optimizer steps: supervised (no teacher) or distilled
 * from `teacher` through feature taps. Resolves when done or when `signal` aborts (then
 * `aborted` is true and, with checkpoints on, the state is saved). Uses whatever TF.js backend
 * is active; it never selects one.
 *
 * The steps, one file each: resolve-options (check and default every option), adapters (one
 * per tap), checkpoint-state (capture and restore), train-step (one optimizer step, with the
 * loss of step-loss); this function wires them and runs the loop.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const cfg = resolveTrainOptions(opts);
  // The fastest kernels the active backend has for training (on wasm: @hsrkit/layers' own).
  const { kernels } = await prepareTrainingKernels({ kernels: opts.kernels });
  const { student, teacher, taps, totalSteps } = cfg;

  // Models with the feature taps as extra outputs; they share the originals' layers.
  const studentTapped = tapModel(
    student,
    taps.map((t) => t.student),
    'taps (student)',
  );
  const teacherTapped = teacher
    ? tapModel(
        teacher,
        taps.map((t) => t.teacher),
        'taps (teacher)',
      )
    : undefined;

  const rng = new SeededRng(cfg.seed);
  const adapters = resolveAdapters(opts.adapters, taps, student, teacher, rng);
  const trainables = trainableVariables(student, adapters.perTap);
  if (trainables.length === 0) {
    adapters.disposeOwn();
    throw new DistillConfigError('student', 'has no trainable weights');
  }

  let optimizer: tf.Optimizer | undefined;
  let run: RunParts;
  let store: CheckpointStore | undefined;
  let resumedFrom: number | null;
  let secondsBefore = 0;
  try {
    optimizer = createOptimizer(opts.optimizer, cfg.lrAt(0, totalSteps));
    store = await openStore(cfg.checkpoint);
    run = {
      student,
      adapters: adapters.perTap,
      optimizer,
      optimizerType: opts.optimizer.type,
      trainables,
      rng,
      totalSteps,
      seed: cfg.seed,
      taps,
    };
    const resumed = await resume(opts, run, store);
    resumedFrom = resumed?.step ?? null;
    secondsBefore = resumed?.seconds ?? 0;
  } catch (e) {
    optimizer?.dispose();
    adapters.disposeOwn();
    throw e;
  }

  const trainStep = createTrainStep({
    studentTapped,
    teacherTapped,
    taps,
    adapters: adapters.perTap,
    optimizer,
    trainables,
    loss: cfg.loss,
    clipNorm: cfg.clipNorm,
  });
  const start = resumedFrom ?? 0;
  const history: StepRecord[] = [];
  const validations: ValidationResult[] = [];
  const val = cfg.validation;
  const metrics = val?.metrics ?? hsiMetrics();
  const ck = cfg.checkpoint;
  let lastCheckpoint: string | undefined;
  let lastSavedStep = resumedFrom ?? -1;
  let aborted = false;
  let done = start;
  const clock = stepClock(start, totalSteps);
  const { budgetSeconds } = cfg;
  const t0 = performance.now();
  // Seconds of the whole run (resumed parts included): what the budget counts.
  const runSeconds = () => secondsBefore + (performance.now() - t0) / 1000;
  const budgetFraction = (done: number) =>
    Math.max(done / totalSteps, runSeconds() / budgetSeconds);
  const reader = start < totalSteps ? openBatchReader(opts.data, start) : undefined;

  const saveAt = async (step: number): Promise<string> => {
    const path = await store!.save(await captureState(run, step, { seconds: runSeconds() }));
    lastSavedStep = step;
    lastCheckpoint = path;
    return path;
  };

  try {
    for (let s = start; s < totalSteps; s++) {
      // A turn of the event loop per step: on a synchronous backend (wasm, cpu) every await below
      // resolves at once, and a Ctrl-C (its handler aborts `signal`) would otherwise only be seen
      // at the next real I/O, such as a checkpoint write.
      await yieldToEventLoop();
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      // A resumed run whose budget was already spent runs no step. Past its first step the budget
      // is only checked after a step: that step is then the last one (validated, saved and
      // reported at fraction 1). A check here could end the run on time that validation or a
      // checkpoint took after a step that was not marked last, skipping its final validation and
      // checkpoint (the budget is overrun by at most one step).
      if (s === start && runSeconds() >= budgetSeconds) break;
      const batch: Batch = await reader!.next(s, rng);
      // With a time budget the schedules see the total the run is heading for at this rate:
      // step / total = the fraction of the budget used (warm-up steps stay steps).
      const f = budgetFraction(s);
      const { lr, decay } = scheduleAt(
        cfg,
        s,
        s > 0 && f > 0 ? Math.min(totalSteps, Math.max(s + 1, s / f)) : totalSteps,
      );
      let losses: ProgressEvent['losses'];
      try {
        losses = await trainStep(batch, s, lr, decay);
      } finally {
        if (cfg.disposeBatches && batch) disposeBatch(batch);
      }
      done = s + 1;
      if (cfg.keepHistory) history.push({ step: done, lr, decay, ...losses });
      const used = budgetFraction(done);
      const last = done === totalSteps || used >= 1;
      const timing = clock(done);
      if (Number.isFinite(budgetSeconds))
        timing.etaSeconds = Math.min(timing.etaSeconds, Math.max(0, budgetSeconds - runSeconds()));
      const event: ProgressEvent = {
        step: done,
        totalSteps,
        losses,
        lr,
        decay,
        ...timing,
        budgetFraction: Math.min(1, used),
      };
      if (val && (done % val.every === 0 || last)) {
        event.validation = await validate(student, val.data, metrics, done);
        validations.push(event.validation);
      }
      if (store && (done % ck!.every === 0 || last)) event.checkpoint = await saveAt(done);
      await opts.onProgress?.(event);
      if (last) break;
    }
    if (aborted && store && (ck!.onAbort ?? true) && lastSavedStep !== done) await saveAt(done);
  } catch (e) {
    // The caller never gets a handle on adapters made here: release them with the error.
    adapters.disposeOwn();
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
    adapters: adapters.perTap,
    kernels,
    dispose: adapters.disposeOwn,
  };
}

/** Lets timers, I/O and signal handlers run (setImmediate in Node, a 0 ms timeout elsewhere). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** The store checkpoints go to. A folder (`dir`) needs the file system: `train` of
 * '@hsrkit/distill/node' turns it into a store, so this entry stays browser-safe
 * (docs/ARCHITECTURE.md, "Entries"). */
async function openStore(ck: CheckpointOptions | undefined): Promise<CheckpointStore | undefined> {
  if (!ck) return undefined;
  if (ck.store) return ck.store;
  throw new DistillConfigError(
    'checkpoint.dir',
    `'${ck.dir}' needs the file system: import { train } from '@hsrkit/distill/node', or pass checkpoint.store`,
  );
}

/** Restores the checkpoint `opts.resume` asks for; returns its step and the seconds the run had
 * taken (for the time budget), or null for a fresh start. */
async function resume(
  opts: TrainOptions,
  run: RunParts,
  store: CheckpointStore | undefined,
): Promise<{ step: number; seconds: number } | null> {
  if (!opts.resume) return null;
  const state: CheckpointState | null = opts.resume === true ? await store!.load() : opts.resume;
  if (state && state.step > 0 && !isResumable(opts.data))
    throw new DistillConfigError(
      'data',
      `cannot resume at step ${state.step} from a plain iterable; give a source with batchAt(step) or fromStep(step)`,
    );
  if (!state) return null;
  await restoreState(
    run,
    state,
    opts.resume === true ? (opts.checkpoint?.dir ?? 'store') : '(given state)',
  );
  const seconds = state.meta?.seconds;
  return { step: state.step, seconds: typeof seconds === 'number' ? seconds : 0 };
}

/** The learning rate and D(t) of step `s`, which must be usable numbers. */
function scheduleAt(
  cfg: ResolvedTrainOptions,
  s: number,
  total: number,
): { lr: number; decay: number } {
  const lr = cfg.lrAt(s, total);
  const decay = cfg.teacher ? cfg.decayAt(s, total) : 0;
  if (!Number.isFinite(lr) || lr <= 0)
    throw new DistillConfigError(
      'schedule',
      `learning rate at step ${s} is ${lr}; it must be finite and > 0`,
    );
  if (!Number.isFinite(decay))
    throw new DistillConfigError('decay', `D(t) at step ${s} is ${decay}`);
  return { lr, decay };
}

/** Rate, time left and time spent, counting only the steps this call ran (from `start`). */
function stepClock(start: number, totalSteps: number) {
  const t0 = performance.now();
  return (completed: number) => {
    const elapsedSeconds = (performance.now() - t0) / 1000;
    const stepsPerSecond = elapsedSeconds > 0 ? (completed - start) / elapsedSeconds : 0;
    const etaSeconds =
      stepsPerSecond > 0 ? (totalSteps - completed) / stepsPerSecond : Number.POSITIVE_INFINITY;
    return { stepsPerSecond, etaSeconds, elapsedSeconds };
  };
}
