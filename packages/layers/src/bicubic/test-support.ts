// Shared by the bicubic tests (not a test file itself): the MATLAB-port fixtures and float64
// references computed straight from the weight matrices.
import { readFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';

// Fixtures: scripts/make_bicubic_fixtures.py, an independent numpy port of MATLAB's imresize
// (gather of the contributions() table, float64) run on crops of real scenes.
const fixtureDir = new URL('../../fixtures/bicubic/', import.meta.url);

interface FixtureCase {
  name: string;
  inShape: [number, number, number];
  outShape: [number, number, number];
  antialias: boolean;
  scale?: number | [number, number];
  size?: [number, number];
}
interface FixtureWeights {
  inLen: number;
  outLen: number;
  scale: number;
  antialias: boolean;
  values: number[];
}
export const manifest = JSON.parse(readFileSync(new URL('manifest.json', fixtureDir), 'utf8')) as {
  cases: FixtureCase[];
  weights: FixtureWeights[];
};

function readF32(file: string): Float32Array {
  const b = readFileSync(new URL(file, fixtureDir));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export const fixtures = manifest.cases.map((c) => ({
  ...c,
  input: readF32(`${c.name}.in.f32`),
  expected: readF32(`${c.name}.out.f32`),
}));

/**
 * out[..., i, ...] = sum_p m[i, p] x[..., p, ...] along one axis of a row-major array of `shape`:
 * a (outLen x shape[axis]) matrix applied to that axis, in float64.
 */
function alongAxis(
  x: ArrayLike<number>,
  shape: number[],
  axis: number,
  m: ArrayLike<number>,
  outLen: number,
): Float64Array {
  const len = shape[axis];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const y = new Float64Array(outer * outLen * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < outLen; i++)
      for (let p = 0; p < len; p++) {
        const mv = m[i * len + p];
        if (mv === 0) continue;
        for (let k = 0; k < inner; k++)
          y[(o * outLen + i) * inner + k] += mv * x[(o * len + p) * inner + k];
      }
  return y;
}

/** Direct definition of the separable resize, W_r X W_c^T per image and band, in float64. */
export function resizeByMatrices(
  x: Float32Array,
  [n, h, w, c]: number[],
  wr: Float32Array,
  outH: number,
  wc: Float32Array,
  outW: number,
): Float64Array {
  const rows = alongAxis(x, [n, h, w, c], 1, wr, outH);
  return alongAxis(rows, [n, outH, w, c], 2, wc, outW);
}

/** The (cols x rows) transpose of a row-major (rows x cols) matrix. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** The tensor's values; the tensor is disposed. */
export async function dataOf(t: tf.Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

/**
 * dL/dx of L(x) = sum(r * resize(x)) for one image: W_r^T R W_c per band, in float64, from the
 * (outH x h) and (outW x w) weight matrices; `r` is [outH, outW, c].
 */
export function adjointByMatrices(
  r: Float32Array,
  [h, w, c]: number[],
  wr: Float32Array,
  outH: number,
  wc: Float32Array,
  outW: number,
): Float64Array {
  return resizeByMatrices(
    r,
    [1, outH, outW, c],
    transpose(wr, outH, h),
    h,
    transpose(wc, outW, w),
    w,
  );
}
