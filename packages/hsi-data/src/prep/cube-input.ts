import type * as tfTypes from '@tensorflow/tfjs';
import { type BipCube, type Cube, toBipCube } from '../cube.js';
import { HsiShapeError, HsiValueError, shapeText } from '../errors.js';

/** Anything the prep, metric and preview functions take as an image: a Cube or a `[h, w, B]` tensor. */
export type CubeLike = Cube | tfTypes.Tensor;

/** Samples of one image as BIP float32, without a cube's metadata (a tensor's, say). */
export type BipImage = Pick<BipCube, 'rows' | 'cols' | 'bands' | 'data'>;

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
 * The cube's samples as BIP float32 (`toBipCube`, metadata kept), after checking its fields
 * against its data length; `what` names the caller in the error.
 */
export function cubeToBip(cube: Cube, what = 'cube'): BipCube {
  checkCube(cube, what);
  return toBipCube(cube);
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
