import { describeBackends, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  DIHEDRAL_ALL,
  dihedralInverse,
  dihedralSourceTable,
  dihedralTransform,
} from './dihedral.js';
import { HsiConfigError } from '../errors.js';

/** Applies the JS source table to a [size, size, C] array. */
function viaTable(x: Float32Array, size: number, c: number, k: number): Float32Array {
  const t = dihedralSourceTable(k, size);
  const out = new Float32Array(x.length);
  for (let p = 0; p < size * size; p++)
    for (let ch = 0; ch < c; ch++) out[p * c + ch] = x[t[p] * c + ch];
  return out;
}

describe('dihedral source tables', () => {
  it('k=1 is numpy rot90 (counter-clockwise) and k=4 a left-right flip, on a 3x3 example', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // np.rot90([[1,2,3],[4,5,6],[7,8,9]]) = [[3,6,9],[2,5,8],[1,4,7]]
    expect(Array.from(viaTable(x, 3, 1, 1))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(Array.from(viaTable(x, 3, 1, 2))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(Array.from(viaTable(x, 3, 1, 4))).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    // k=5: rot90 then flip left-right = the anti-diagonal transpose; k=7 is the plain transpose.
    expect(Array.from(viaTable(x, 3, 1, 5))).toEqual([9, 6, 3, 8, 5, 2, 7, 4, 1]);
    expect(Array.from(viaTable(x, 3, 1, 7))).toEqual([1, 4, 7, 2, 5, 8, 3, 6, 9]);
  });
  it('the 8 transforms are distinct permutations and each is undone by its inverse', () => {
    const x = seededValues(5 * 5 * 2, 3);
    const seen = new Set<string>();
    for (const k of DIHEDRAL_ALL) {
      const y = viaTable(x, 5, 2, k);
      seen.add(Array.from(y).join(','));
      expect(Array.from(viaTable(y, 5, 2, dihedralInverse(k)))).toEqual(Array.from(x));
      expect(Array.from(dihedralSourceTable(k, 5)).sort((a, b) => a - b)).toEqual([
        ...Array(25).keys(),
      ]);
    }
    expect(seen.size).toBe(8);
    expect(() => dihedralSourceTable(8, 3)).toThrow(HsiConfigError);
  });
});

describeBackends('dihedralTransform', () => {
  it('equals the JS tables on [h, w, C] and [n, h, w, C], and leaves only its result', async () => {
    const size = 4;
    const c = 3;
    const x = seededValues(size * size * c, 7);
    const t3 = tf.tensor3d(x, [size, size, c]);
    const t4 = tf.tensor4d([...x, ...x], [2, size, size, c]);
    for (const k of DIHEDRAL_ALL) {
      const before = tf.memory().numTensors;
      const y3 = dihedralTransform(t3, k);
      expect(tf.memory().numTensors - before).toBe(1);
      const want = viaTable(x, size, c, k);
      expect(Array.from(await y3.data())).toEqual(Array.from(want));
      const y4 = dihedralTransform(t4, k);
      expect(Array.from(await y4.data())).toEqual([...want, ...want]);
      tf.dispose([y3, y4]);
    }
    // Non-square: rot90 swaps the sides.
    const r = tf.zeros([1, 2, 5, 1]) as tf.Tensor4D;
    const y = dihedralTransform(r, 1);
    expect(y.shape).toEqual([1, 5, 2, 1]);
    tf.dispose([t3, t4, r, y]);
  });
});
