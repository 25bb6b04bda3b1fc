import type { Cube } from '../cube.js';
import { HsiValueError } from '../errors.js';

/** What a reader does with NaN / +-Inf samples. */
export type NonFinitePolicy =
  /** Throw `HsiValueError` naming the file, the count and the first (row, col, band). */
  | 'error'
  /** Leave them as they are. */
  | 'keep'
  /** Replace them with this number. */
  | { fill: number };

/** Where the first non-finite sample of the cube is, and how many there are (0: none). */
export function findNonFinite(cube: Cube): {
  count: number;
  first?: { row: number; col: number; band: number };
} {
  const { data } = cube;
  // Integer arrays cannot hold NaN / Inf.
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return { count: 0 };
  let count = 0;
  let firstIndex = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      if (firstIndex < 0) firstIndex = i;
      count++;
    }
  }
  if (count === 0) return { count };
  return { count, first: positionOf(cube, firstIndex) };
}

function positionOf(cube: Cube, index: number): { row: number; col: number; band: number } {
  const { rows, cols, bands } = cube;
  switch (cube.interleave) {
    case 'bsq':
      return {
        band: Math.floor(index / (rows * cols)),
        row: Math.floor(index / cols) % rows,
        col: index % cols,
      };
    case 'bil':
      return {
        row: Math.floor(index / (bands * cols)),
        band: Math.floor(index / cols) % bands,
        col: index % cols,
      };
    case 'bip':
      return {
        row: Math.floor(index / (cols * bands)),
        col: Math.floor(index / bands) % cols,
        band: index % bands,
      };
  }
}

/**
 * Apply a non-finite policy to a freshly read cube (in place for `fill`).
 * Returns the number of non-finite samples found.
 */
export function applyNonFinitePolicy(
  file: string,
  field: string,
  cube: Cube,
  policy: NonFinitePolicy,
): number {
  if (policy === 'keep') return 0;
  const found = findNonFinite(cube);
  if (found.count === 0) return 0;
  if (policy === 'error') {
    const at = found.first as { row: number; col: number; band: number };
    throw new HsiValueError(
      `${found.count} NaN/Inf samples, the first at row ${at.row}, col ${at.col}, band ${at.band}` +
        ` (pass nonFinite: 'keep' or { fill: value } to read it anyway)`,
      { file, field, nonFiniteCount: found.count, firstNonFinite: at },
    );
  }
  const { data } = cube;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) data[i] = policy.fill;
  }
  return found.count;
}
