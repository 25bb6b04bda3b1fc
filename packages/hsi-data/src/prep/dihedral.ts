import * as tf from '@tensorflow/tfjs';
import { HsiConfigError, HsiShapeError, shapeText } from '../errors.js';

/**
 * The 8 symmetries of the square, numbered k = 0..7: rotate (k mod 4) times by 90 degrees
 * counter-clockwise (numpy's `rot90`, on the rows/cols axes), then, for k >= 4, flip left-right.
 * k = 0 is the identity.
 */
export type DihedralIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const DIHEDRAL_ALL: readonly DihedralIndex[] = [0, 1, 2, 3, 4, 5, 6, 7];

function checkK(k: number): asserts k is DihedralIndex {
  if (!Number.isInteger(k) || k < 0 || k > 7)
    throw new HsiConfigError('dihedral', `k must be an integer 0..7, got ${k}`);
}

/** Dihedral transform k of `[h, w, C]` or `[n, h, w, C]` (a new tensor). */
export function dihedralTransform<T extends tf.Tensor3D | tf.Tensor4D>(x: T, k: number): T {
  checkK(k);
  if (x.rank !== 3 && x.rank !== 4)
    throw new HsiShapeError(
      `dihedralTransform: expected [h, w, C] or [n, h, w, C], got ${shapeText(x.shape)}`,
    );
  const rowAxis = x.rank - 3;
  const perm = x.rank === 3 ? [1, 0, 2] : [0, 2, 1, 3];
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    // rot90: out[i, j] = in[j, W - 1 - i], i.e. swap the axes then reverse the new rows.
    for (let t = 0; t < (k & 3); t++) y = tf.reverse(tf.transpose(y, perm), rowAxis);
    if (k >= 4) y = tf.reverse(y, rowAxis + 1);
    return (y === x ? x.clone() : y) as T;
  });
}

/** The k that undoes k: rotations invert to 4 - r; the flipped ones are their own inverse. */
export function dihedralInverse(k: number): DihedralIndex {
  checkK(k);
  return (k >= 4 ? k : (4 - k) & 3) as DihedralIndex;
}

const tables = new Map<string, Int32Array>();

/**
 * For a square `size x size` patch, `table[i * size + j]` is the source pixel (row-major index)
 * that lands at (i, j) under transform k: the plain-JS twin of `dihedralTransform`, used when
 * patches are copied into a batch.
 */
export function dihedralSourceTable(k: number, size: number): Int32Array {
  checkK(k);
  const key = `${k},${size}`;
  const hit = tables.get(key);
  if (hit) return hit;
  const table = new Int32Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      // Undo the flip, then the rotations: rot90 reads out[i, j] from in[j, size - 1 - i].
      let r = i;
      let c = k >= 4 ? size - 1 - j : j;
      for (let t = 0; t < (k & 3); t++) {
        const nr = c;
        c = size - 1 - r;
        r = nr;
      }
      table[i * size + j] = r * size + c;
    }
  if (tables.size > 64) tables.clear();
  tables.set(key, table);
  return table;
}
