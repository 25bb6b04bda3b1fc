import type * as tf from '@tensorflow/tfjs';
import { DistillConfigError } from './errors.js';
import type { SeededRng } from './rng.js';

/** One training batch: low-resolution input and high-resolution target, NHWC. */
export interface Batch {
  lr: tf.Tensor4D;
  hr: tf.Tensor4D;
  /** When present (e.g. hsi-data's PatchBatch) the trainer calls it instead of disposing lr, hr. */
  dispose?: () => void;
}

/** Releases a batch's tensors the way its producer wants. */
export function disposeBatch(b: Batch): void {
  if (typeof b.dispose === 'function') b.dispose();
  else {
    b.lr?.dispose?.();
    b.hr?.dispose?.();
  }
}

/**
 * Random access by step: the most robust resumable source. `rng` is the trainer's seeded
 * generator (saved in checkpoints), for augmentation or sampling.
 */
export interface StepDataSource {
  batchAt(step: number, rng: SeededRng): Batch | Promise<Batch>;
}

/** An iterator factory that can start at any step (e.g. a seeded patch dataset). */
export interface ResumableDataSource {
  fromStep(
    step: number,
  ): AsyncIterator<Batch> | Iterator<Batch> | AsyncIterable<Batch> | Iterable<Batch>;
}

/** Any of these; plain iterables train but cannot resume (the trainer says so). */
export type DataSource =
  | StepDataSource
  | ResumableDataSource
  | AsyncIterable<Batch>
  | Iterable<Batch>;

/** The trainer's uniform view of a source: the next batch, starting at a given step. */
export interface BatchReader {
  next(step: number, rng: SeededRng): Promise<Batch>;
  close(): Promise<void>;
  resumable: boolean;
}

function toIterator(
  x: AsyncIterator<Batch> | Iterator<Batch> | AsyncIterable<Batch> | Iterable<Batch>,
) {
  const any = x as any;
  if (typeof any[Symbol.asyncIterator] === 'function')
    return any[Symbol.asyncIterator]() as AsyncIterator<Batch>;
  if (typeof any[Symbol.iterator] === 'function') return any[Symbol.iterator]() as Iterator<Batch>;
  if (typeof any.next === 'function') return any as AsyncIterator<Batch> | Iterator<Batch>;
  throw new DistillConfigError(
    'data',
    'fromStep() must return an iterator or an iterable of batches',
  );
}

/** Whether the source can start at any step (batchAt or fromStep). */
export function isResumable(data: DataSource): boolean {
  const d = data as any;
  return d != null && (typeof d.batchAt === 'function' || typeof d.fromStep === 'function');
}

export function openBatchReader(data: DataSource, startStep: number): BatchReader {
  const d = data as any;
  if (d == null) throw new DistillConfigError('data', 'no data source given');
  if (typeof d.batchAt === 'function') {
    return {
      resumable: true,
      next: async (step, rng) => await d.batchAt(step, rng),
      close: async () => {},
    };
  }
  let it: AsyncIterator<Batch> | Iterator<Batch>;
  let resumable: boolean;
  if (typeof d.fromStep === 'function') {
    it = toIterator(d.fromStep(startStep));
    resumable = true;
  } else if (
    typeof d[Symbol.asyncIterator] === 'function' ||
    typeof d[Symbol.iterator] === 'function'
  ) {
    if (startStep > 0)
      throw new DistillConfigError(
        'data',
        `cannot resume at step ${startStep} from a plain iterable; give a source with batchAt(step) or fromStep(step)`,
      );
    it = toIterator(d);
    resumable = false;
  } else {
    throw new DistillConfigError(
      'data',
      'expected batchAt(step), fromStep(step), or an (async) iterable of {lr, hr}',
    );
  }
  return {
    resumable,
    next: async (step) => {
      const r = await it.next();
      if (r.done) throw new DistillConfigError('data', `the data source ran out at step ${step}`);
      return r.value;
    },
    close: async () => {
      await it.return?.();
    },
  };
}

/**
 * A resumable source over epochs of a fixed number of batches, such as hsi-data's
 * `PatchDataset` (`epoch: (e) => ds.batches({ epoch: e })`, `batchesPerEpoch: ds.batchesPerEpoch`).
 * `fromStep(step)` starts at epoch floor(step / batchesPerEpoch) and skips (and disposes) the
 * batches before `step` in it, so a resumed run sees the batches an uninterrupted run would,
 * provided each epoch is seeded by its number.
 */
export function epochSource(opts: {
  batchesPerEpoch: number;
  epoch: (epoch: number) => AsyncIterable<Batch> | Iterable<Batch>;
}): ResumableDataSource {
  const per = opts.batchesPerEpoch;
  if (!Number.isInteger(per) || per < 1)
    throw new DistillConfigError('data.batchesPerEpoch', `expected an integer >= 1, got ${per}`);
  return {
    async *fromStep(step: number) {
      let skip = step % per;
      for (let e = Math.floor(step / per); ; e++) {
        let served = 0;
        for await (const b of opts.epoch(e) as AsyncIterable<Batch>) {
          served++;
          if (skip > 0) {
            skip--;
            disposeBatch(b);
            continue;
          }
          yield b;
        }
        if (served !== per)
          throw new DistillConfigError(
            'data.batchesPerEpoch',
            `epoch ${e} gave ${served} batches, expected ${per}`,
          );
      }
    },
  };
}
