import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Batch, epochSource, openBatchReader } from './data-source.js';
import { DistillConfigError } from './errors.js';
import { SeededRng } from './rng.js';

/** Batch b of epoch e holds the value 10 e + b, so the order can be read back. */
function tagged(e: number, b: number): Batch {
  return {
    lr: tf.fill([1, 1, 1, 1], 10 * e + b) as tf.Tensor4D,
    hr: tf.fill([1, 1, 1, 1], 10 * e + b) as tf.Tensor4D,
  };
}

describe('data sources', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('epochSource(fromStep) continues mid-epoch in the order of an uninterrupted pass, disposing skipped batches', async () => {
    const made: Batch[] = [];
    const src = epochSource({
      batchesPerEpoch: 3,
      epoch: function* (e) {
        for (let b = 0; b < 3; b++) {
          const x = tagged(e, b);
          made.push(x);
          yield x;
        }
      },
    });
    const reader = openBatchReader(src, 5);
    const rng = new SeededRng(0);
    const got: number[] = [];
    for (let s = 5; s < 9; s++) {
      const b = await reader.next(s, rng);
      got.push((await b.lr.data())[0]);
      tf.dispose([b.lr, b.hr]);
    }
    await reader.close();
    // Step 5 = epoch 1, batch 2; then epoch 2.
    expect(got).toEqual([12, 20, 21, 22]);
    expect(made.every((b) => b.lr.isDisposed && b.hr.isDisposed)).toBe(true);
  });

  it('an epoch of the wrong length, an exhausted iterable and a non-source are DistillConfigErrors', async () => {
    const short = epochSource({ batchesPerEpoch: 2, epoch: (e) => [tagged(e, 0)] });
    const r = openBatchReader(short, 0);
    const b = await r.next(0, new SeededRng());
    tf.dispose([b.lr, b.hr]);
    await expect(r.next(1, new SeededRng())).rejects.toThrow(/epoch 0 gave 1 batches, expected 2/);
    const once = openBatchReader([tagged(0, 0)], 0);
    const c = await once.next(0, new SeededRng());
    tf.dispose([c.lr, c.hr]);
    await expect(once.next(1, new SeededRng())).rejects.toThrow(/ran out at step 1/);
    expect(() => openBatchReader({} as never, 0)).toThrow(DistillConfigError);
    expect(() => epochSource({ batchesPerEpoch: 0, epoch: () => [] })).toThrow(/batchesPerEpoch/);
  });

  it('a batch with its own dispose() is released through it', async () => {
    const { disposeBatch } = await import('./data-source.js');
    let called = 0;
    const lr = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
    disposeBatch({ lr, hr: lr, dispose: () => void called++ });
    expect(called).toBe(1);
    expect(lr.isDisposed).toBe(false);
    lr.dispose();
  });
});
