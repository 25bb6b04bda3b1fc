import * as tf from '@tensorflow/tfjs';
import { maxAbsDiff, seededValues } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTeacher } from '../test/fixtures.js';
import { DistillConfigError } from './errors.js';
import { channelsOf, createAdapter, tapModel } from './taps.js';

describe('feature taps', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('returns [output, tapped features] equal to the model and to a sub-model, sharing weights', async () => {
    const teacher = buildTeacher(5);
    const tapped = tapModel(teacher, ['stem', 'feat']);
    const x = tf.tensor4d(seededValues(1 * 5 * 5 * 3, 9), [1, 5, 5, 3]);
    const [out, stem, feat] = tapped.predict(x) as tf.Tensor[];
    const ref = teacher.predict(x) as tf.Tensor;
    const sub = tf.model({
      inputs: teacher.inputs,
      outputs: teacher.getLayer('feat').output as tf.SymbolicTensor,
    });
    const featRef = sub.predict(x) as tf.Tensor;
    expect(maxAbsDiff(await out.data(), await ref.data())).toBe(0);
    expect(maxAbsDiff(await feat.data(), await featRef.data())).toBe(0);
    expect(stem.shape).toEqual([1, 5, 5, 6]);
    // Same variables, not copies.
    expect(tapped.trainableWeights.map((w) => w.read().id)).toEqual(
      teacher.trainableWeights.map((w) => w.read().id),
    );
    tf.dispose([x, out, stem, feat, ref, featRef]);
    teacher.dispose();
  });

  it('an unknown layer name is a DistillConfigError listing the layers', () => {
    const teacher = buildTeacher(5);
    expect(() => tapModel(teacher, ['nope'], 'taps (teacher)')).toThrow(DistillConfigError);
    expect(() => tapModel(teacher, ['nope'])).toThrow(/no layer 'nope' \(layers: .*stem.*feat/);
    expect(channelsOf(teacher.getLayer('feat').output as tf.SymbolicTensor, 'f')).toBe(6);
    teacher.dispose();
  });

  it('adapters are 1x1 convs, reproducible from their seed', async () => {
    const a = createAdapter(4, 6, 123);
    const b = createAdapter(4, 6, 123);
    const c = createAdapter(4, 6, 124);
    const x = tf.tensor4d(seededValues(2 * 3 * 3 * 4, 1), [2, 3, 3, 4]);
    const [ya, yb, yc] = [a, b, c].map((m) => m.predict(x) as tf.Tensor);
    expect(ya.shape).toEqual([2, 3, 3, 6]);
    expect(maxAbsDiff(await ya.data(), await yb.data())).toBe(0);
    expect(maxAbsDiff(await ya.data(), await yc.data())).toBeGreaterThan(1e-3);
    // 1x1 conv = per-pixel matmul with the kernel (bias starts at zero).
    const k = tf.reshape(a.getWeights()[0], [4, 6]);
    const ref = tf.matMul(tf.reshape(x, [-1, 4]), k);
    expect(maxAbsDiff(await ya.data(), await ref.data())).toBeLessThan(1e-6);
    tf.dispose([x, ya, yb, yc, k, ref]);
    for (const m of [a, b, c]) m.dispose();
  });
});
