// What the prep, metric and preview tests share: the real crops in fixtures/metrics/ (float32 BIP
// samples plus a JSON of their shape and the reference numbers scripts/make_metric_fixtures.py
// computed), and small BIP cubes made on the spot.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BipCube, CubeMetadata } from '../src/cube.js';

const FIXTURES = new URL('../fixtures/metrics/', import.meta.url);

/** The JSON of a crop (`balloons`, `jasper`, `urban`): its shape and reference numbers. */
export function metricFixtureMeta(name: string): any {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`${name}.json`, FIXTURES)), 'utf8'));
}

/** A float32 sample file of fixtures/metrics/ (`balloons.gt.f32` ...). */
export function readF32(file: string): Float32Array {
  const buf = readFileSync(fileURLToPath(new URL(file, FIXTURES)));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** The first `nb` bands of BIP samples with `bands` bands per pixel. */
export function firstBands(data: Float32Array, bands: number, nb: number): Float32Array {
  if (nb === bands) return data;
  const n = data.length / bands;
  const out = new Float32Array(n * nb);
  for (let p = 0; p < n; p++) out.set(data.subarray(p * bands, p * bands + nb), p * nb);
  return out;
}

/** A BIP float32 cube of this shape holding `data`, or filled with one value (0 by default). */
export function bipCube(
  rows: number,
  cols: number,
  bands: number,
  data: Float32Array | number = 0,
  meta: CubeMetadata = {},
): BipCube {
  const samples =
    typeof data === 'number' ? new Float32Array(rows * cols * bands).fill(data) : data;
  return { ...meta, rows, cols, bands, interleave: 'bip', data: samples };
}

/** The ground truth of a crop as a BIP cube, its first `bands` bands (all by default). */
export function sceneCube(name: string, bands?: number, meta: CubeMetadata = {}): BipCube {
  const [rows, cols, all] = metricFixtureMeta(name).shape as number[];
  const nb = bands ?? all;
  return bipCube(rows, cols, nb, firstBands(readF32(`${name}.gt.f32`), all, nb), meta);
}
