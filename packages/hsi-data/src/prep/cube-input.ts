import type * as tfTypes from '@tensorflow/tfjs';
import type { Cube, CubeArray } from '../cube.js';
import { HsiShapeError, HsiValueError, shapeText } from './errors.js';

/** Anything the prep, metric and preview functions take as an image: a Cube or a `[h, w, B]` tensor. */
export type CubeLike = Cube | tfTypes.Tensor;

/** Samples of one image, band-interleaved-by-pixel (`[rows, cols, bands]` in C order), as float32. */
export interface BipImage {
  rows: number;
  cols: number;
  bands: number;
  data: Float32Array;
}

/** Duck-typed so that a tensor from another copy of TF.js is still recognised. */
export function isTensor(x: unknown): x is tfTypes.Tensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as tfTypes.Tensor).shape) &&
    typeof (x as tfTypes.Tensor).dataSync === 'function'
  );
}

/** `[rows, cols, bands]` of a tensor `[h, w, B]` or `[1, h, w, B]`; throws naming `what` otherwise. */
export function imageShapeOfTensor(t: tfTypes.Tensor, what: string): [number, number, number] {
  const s = t.shape;
  if (s.length === 3) return [s[0], s[1], s[2]];
  if (s.length === 4 && s[0] === 1) return [s[1], s[2], s[3]];
  throw new HsiShapeError(`${what}: expected a [rows, cols, bands] tensor, got ${shapeText(s)}`);
}

/** Checks a Cube's fields against its data length. */
export function checkCube(cube: Cube, what: string): void {
  const { rows, cols, bands } = cube;
  for (const [k, v] of [
    ['rows', rows],
    ['cols', cols],
    ['bands', bands],
  ] as const)
    if (!Number.isInteger(v) || v <= 0)
      throw new HsiShapeError(`${what}: cube.${k} must be a positive integer, got ${v}`);
  if (cube.data.length !== rows * cols * bands)
    throw new HsiShapeError(
      `${what}: cube data has ${cube.data.length} samples, ${rows} x ${cols} x ${bands} needs ${rows * cols * bands}`,
    );
}

/**
 * The cube's samples as BIP float32. A BIP Float32Array cube is returned without a copy; other
 * layouts are re-ordered with plain loops (no per-sample function call: this runs on 30 M samples).
 */
export function cubeToBip(cube: Cube, what = 'cube'): BipImage {
  checkCube(cube, what);
  const { rows, cols, bands, data } = cube;
  if (cube.interleave === 'bip')
    return {
      rows,
      cols,
      bands,
      data: data instanceof Float32Array ? data : Float32Array.from(data),
    };
  const out = new Float32Array(rows * cols * bands);
  const src: CubeArray = data;
  if (cube.interleave === 'bsq') {
    const plane = rows * cols;
    for (let b = 0; b < bands; b++) {
      const off = b * plane;
      for (let p = 0; p < plane; p++) out[p * bands + b] = src[off + p];
    }
  } else {
    // bil: row r holds bands x cols.
    for (let r = 0; r < rows; r++)
      for (let b = 0; b < bands; b++) {
        const off = (r * bands + b) * cols;
        const dst = r * cols * bands + b;
        for (let c = 0; c < cols; c++) out[dst + c * bands] = src[off + c];
      }
  }
  return { rows, cols, bands, data: out };
}

/** A Cube or a tensor as BIP float32 (a tensor is downloaded with `data()`). */
export async function toBipImage(x: CubeLike, what: string): Promise<BipImage> {
  if (isTensor(x)) {
    const [rows, cols, bands] = imageShapeOfTensor(x, what);
    const data = await x.data();
    return {
      rows,
      cols,
      bands,
      data: data instanceof Float32Array ? data : Float32Array.from(data),
    };
  }
  return cubeToBip(x, what);
}

/** Throws HsiShapeError unless both images have the same rows, cols and bands. */
export function checkSameShape(a: BipImage, b: BipImage, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols || a.bands !== b.bands)
    throw new HsiShapeError(
      `${what}: ground truth is ${shapeText([a.rows, a.cols, a.bands])} but prediction is ${shapeText([b.rows, b.cols, b.bands])}`,
    );
}

/** Throws HsiValueError at the first NaN or infinite sample, naming where it is. */
export function checkFinite(img: BipImage, what: string): void {
  const { data, cols, bands } = img;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const b = i % bands;
      const p = (i - b) / bands;
      throw new HsiValueError(
        `${what}: sample at row ${Math.floor(p / cols)}, col ${p % cols}, band ${b} is ${data[i]}`,
      );
    }
  }
}
