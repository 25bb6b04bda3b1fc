import * as tf from '@tensorflow/tfjs';
import { describeBackends } from '@hsrkit/testing';
import { expect, it } from 'vitest';
import { sumTensors } from './sum-tensors.js';

describeBackends(
  'sumTensors',
  (backend) => {
    it('sums 1 to 60 tensors exactly as a plain loop does (more inputs than WebGPU binds per AddN)', async () => {
      for (const n of [1, 2, 7, 8, 9, 23, 60]) {
        const values = Array.from({ length: n }, (_, i) =>
          Float32Array.from({ length: 5 }, (_, k) => ((i * 7 + k * 3) % 11) - 5 + i / 8),
        );
        const expected = new Float64Array(5);
        for (const v of values) for (let k = 0; k < 5; k++) expected[k] += v[k];
        const tensors = values.map((v) => tf.tensor1d(v));
        const before = tf.memory().numTensors;
        const sum = sumTensors(tensors);
        expect(tf.memory().numTensors).toBe(before + 1);
        const got = await sum.data();
        for (let k = 0; k < 5; k++) expect(got[k]).toBeCloseTo(expected[k], 4);
        sum.dispose();
        expect(tensors.every((t) => !t.isDisposed)).toBe(true);
        tf.dispose(tensors);
      }
      expect(tf.getBackend()).toBe(backend);
    });
  },
  ['cpu', 'wasm', 'webgpu'],
);

it('refuses an empty list', () => {
  expect(() => sumTensors([])).toThrow(RangeError);
});
