// What the I/O tests share: the fixture files, the reference numbers independent readers found in
// them (fixtures/io/reference.json, written by scripts/make_io_fixtures.py), and checks of a cube
// against those numbers or against another cube.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cube, sampleIndex } from '../src/cube.js';
import { type ByteSource, blobSource, bytesSource } from '../src/io/byte-source.js';
import { sampleTypeOf } from '../src/io/dtypes.js';
import { readCubeWindow } from '../src/node/cube-files.js';
import type { CubeInfo } from '../src/io/types.js';
import type { CubeWindow } from '../src/io/window.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The path of a fixture file, relative to fixtures/. */
export const fixture = (rel: string) => path.join(FIXTURES, rel);

/** What GDAL / scipy / h5py / numpy saw in a fixture (or in one variable of a .mat). */
export interface ReferenceStats {
  rows: number;
  cols: number;
  bands: number;
  dtype: string;
  min: number;
  max: number;
  sum: number;
  /** [row, col, band, value] */
  samples: [number, number, number, number][];
  wavelengths?: { count: number; first: number; last: number; at: [number, number][] } | null;
}

export interface ReferenceFile extends ReferenceStats {
  path: string;
  interleave?: string;
  byteOrder?: number;
  headerOffset?: number;
  variables?: Record<string, ReferenceStats>;
}

export const reference = JSON.parse(await fs.readFile(fixture('io/reference.json'), 'utf8')) as {
  files: Record<string, ReferenceFile>;
};

/** The reference entries whose key starts with `prefix` (`envi/`, `npy/`, `tiff/`). */
export const referenceEntries = (prefix: string) =>
  Object.entries(reference.files).filter(([k]) => k.startsWith(prefix));

/** The sample type a reader gives for a stored dtype (64-bit integers are read as float64). */
export const readTypeOf = (dtype: string) => (dtype.endsWith('int64') ? 'float64' : dtype);

/** Shape, sample type, min, max, sum (to 1e-9 relative), sampled values and wavelengths as the reference says. */
export function expectMatchesReference(cube: Cube, ref: ReferenceStats): void {
  expect([cube.rows, cube.cols, cube.bands]).toEqual([ref.rows, ref.cols, ref.bands]);
  expect(sampleTypeOf(cube.data)).toBe(readTypeOf(ref.dtype));
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of cube.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  expect([min, max]).toEqual([ref.min, ref.max]);
  expect(Math.abs(sum - ref.sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref.sum)));
  for (const [r, c, b, v] of ref.samples) expect(cube.data[sampleIndex(cube, r, c, b)]).toBe(v);
  if (ref.wavelengths) {
    expect(cube.wavelengths).toHaveLength(ref.wavelengths.count);
    for (const [k, w] of ref.wavelengths.at) expect(cube.wavelengths?.[k]).toBeCloseTo(w, 5);
  }
}

/** The samples of a window of `cube` (all of it by default) as plain numbers in (row, col, band) order. */
export function valuesOf(
  cube: Cube,
  window: { row?: number; col?: number; rows?: number; cols?: number; bands?: number[] } = {},
): number[] {
  const { row = 0, col = 0, rows = cube.rows - row, cols = cube.cols - col } = window;
  const bands = window.bands ?? Array.from({ length: cube.bands }, (_, k) => k);
  const out: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (const b of bands) out.push(cube.data[sampleIndex(cube, row + r, col + c, b)]);
  return out;
}

/** Element-wise equality of two long numeric arrays, fast (vitest's deep equality is slow on millions). */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      expect({ index: i, value: actual[i] }).toEqual({ index: i, value: expected[i] });
  }
}

/** A temporary folder for the tests of one file: made before they run, removed after. */
export function useTempDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/**
 * A fixture as the browser entry's readers get it: a `Blob` source (like a picked `File`) or
 * bytes in memory (at an odd offset in a larger buffer, so no read starts aligned by luck),
 * named by the file's base name.
 */
export async function fixtureSource(rel: string, kind: 'blob' | 'bytes') {
  const bytes = new Uint8Array(await fs.readFile(fixture(rel)));
  const name = path.basename(rel);
  if (kind === 'blob') return blobSource(new Blob([bytes]), name);
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes, 1);
  return bytesSource(padded.subarray(1), name);
}

/** The three reads of one format, over what its readers take (a path, or a byte source). */
export interface FormatReads<In> {
  read(input: In): Promise<Cube>;
  readWindow(input: In, window: CubeWindow): Promise<Cube>;
  info(input: In): Promise<CubeInfo>;
}

/**
 * One test per fixture in `rels` and per source kind (a Blob, bytes in memory): the byte readers of
 * a format give what its path readers give: the same samples and wavelengths, the same `window`,
 * the same info (named by the file's base name instead of its path).
 */
export function itReadsBytesLikePath(
  rels: string[],
  byPath: FormatReads<string>,
  byBytes: FormatReads<ByteSource>,
  window: CubeWindow,
): void {
  for (const kind of ['blob', 'bytes'] as const)
    for (const rel of rels)
      it(`${kind}: ${path.basename(rel)} reads what the file reads, whole, windowed and info`, () =>
        expectBytesReadLikePath(rel, kind, byPath, byBytes, window));
}

async function expectBytesReadLikePath(
  rel: string,
  kind: 'blob' | 'bytes',
  byPath: FormatReads<string>,
  byBytes: FormatReads<ByteSource>,
  window: CubeWindow,
): Promise<void> {
  const source = await fixtureSource(rel, kind);
  const fromFile = await byPath.read(fixture(rel));
  const fromBytes = await byBytes.read(source);
  expect(sampleTypeOf(fromBytes.data)).toBe(sampleTypeOf(fromFile.data));
  expectSameValues(fromBytes.data, fromFile.data);
  expect(fromBytes.wavelengths).toEqual(fromFile.wavelengths);
  expectSameValues(valuesOf(await byBytes.readWindow(source, window)), valuesOf(fromFile, window));
  const name = path.basename(rel);
  expect(await byBytes.info(source)).toEqual({
    ...(await byPath.info(fixture(rel))),
    file: name,
    dataFile: name,
  });
}

/** A crop `[row, col, rows, cols]` (and `bands`) of a real fixture scene: the cube writer tests start from. */
export function realCrop(
  rel: string,
  [row, col, rows, cols]: [number, number, number, number],
  bands?: number[],
): Promise<Cube> {
  return readCubeWindow(fixture(rel), { row, col, rows, cols, bands });
}
