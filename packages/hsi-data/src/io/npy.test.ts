import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cube, sampleIndex } from '../cube.js';
import { sampleTypeOf } from './dtypes.js';
import { readEnvi } from './envi.js';
import { HsiFormatError, HsiTruncatedError } from './errors.js';
import { npyInfo, readNpy, readNpyWindow, writeNpy } from './npy.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const fixture = (rel: string) => path.join(FIXTURES, rel);
interface Ref {
  path: string;
  rows: number;
  cols: number;
  bands: number;
  dtype: string;
  sum: number;
  min: number;
  max: number;
  samples: [number, number, number, number][];
}
const reference = JSON.parse(await fs.readFile(fixture('io/reference.json'), 'utf8')) as {
  files: Record<string, Ref>;
};

function valuesOf(cube: Cube, bands = Array.from({ length: cube.bands }, (_, k) => k)): number[] {
  const out: number[] = [];
  for (let r = 0; r < cube.rows; r++)
    for (let c = 0; c < cube.cols; c++)
      for (const b of bands) out.push(cube.data[sampleIndex(cube, r, c, b)]);
  return out;
}

/** Element-wise equality of two long numeric arrays, fast (vitest's deep equality is slow on big arrays). */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      expect({ index: i, value: actual[i] }).toEqual({ index: i, value: expected[i] });
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hsi-npy-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('NPY reader (numpy-written crops of Samson: every dtype, both byte orders, C and Fortran order)', () => {
  const entries = Object.entries(reference.files).filter(([k]) => k.startsWith('npy/'));
  it('covers 10 dtypes x C/F x little/big endian', () => expect(entries.length).toBe(36));
  for (const [key, ref] of entries) {
    it(key, async () => {
      const cube = await readNpy(fixture(ref.path));
      expect([cube.rows, cube.cols, cube.bands]).toEqual([ref.rows, ref.cols, ref.bands]);
      expect(sampleTypeOf(cube.data)).toBe(ref.dtype.endsWith('int64') ? 'float64' : ref.dtype);
      for (const [r, c, b, v] of ref.samples) expect(cube.data[sampleIndex(cube, r, c, b)]).toBe(v);
      let sum = 0;
      for (const v of cube.data) sum += v;
      expect(sum).toBeCloseTo(ref.sum, -2);
      expect(Math.min(...cube.data)).toBe(ref.min);
      expect(Math.max(...cube.data)).toBe(ref.max);
      // Every layout holds the same crop: compare with the C-order little-endian copy.
      const base = await readNpy(fixture(ref.path.replace(/_(le|be)_(C|F)\.npy$/, '_le_C.npy')));
      expectSameValues(valuesOf(cube), valuesOf(base));
      const win = { row: 1, col: 2, rows: 4, cols: 2, bands: [3, 0] };
      const part = await readNpyWindow(fixture(ref.path), win);
      const expected: number[] = [];
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 2; c++)
          for (const b of [3, 0]) expected.push(base.data[sampleIndex(base, 1 + r, 2 + c, b)]);
      expectSameValues(valuesOf(part), expected);
    });
  }
});

describe('NPY writer', () => {
  it('round-trips a real cube in both axis orders and several types; numpy header is well formed', async () => {
    const cube = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    for (const axes of ['rows-cols-bands', 'bands-rows-cols'] as const) {
      for (const sampleType of ['float32', 'float64', 'int32', 'uint16'] as const) {
        const file = path.join(tmp, `g_${axes}_${sampleType}.npy`);
        await writeNpy(file, cube, { axes, sampleType });
        const head = (await fs.readFile(file)).subarray(0, 128).toString('latin1');
        const expectedShape = axes === 'rows-cols-bands' ? '(25, 10, 189)' : '(189, 25, 10)';
        expect(head).toContain(`'shape': ${expectedShape}`);
        const back = await readNpy(file, { axes });
        const info = await npyInfo(file, { axes });
        expect((info.headerOffset as number) % 64).toBe(0);
        expect(sampleTypeOf(back.data)).toBe(sampleType);
        // Gamsberg is float32 in 0..5837: integer types keep the truncated value.
        const want = valuesOf(cube).map((v) =>
          sampleType.startsWith('float') ? v : Math.trunc(v),
        );
        expectSameValues(valuesOf(back), want);
      }
    }
  });
});

describe('NPY bad input', () => {
  it('a 2-D array, a truncated file, a wrong magic, an unsupported dtype', async () => {
    const err = await readNpy(fixture('io/npy/flat_2d.npy')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.field).toBe('shape');
    expect(err.message).toMatch(
      /flat_2d\.npy: shape: a cube needs a 3-D array, this one is \(3, 4\)/,
    );
    const bytes = await fs.readFile(fixture('io/npy/float32_le_C.npy'));
    await fs.writeFile(path.join(tmp, 'cut.npy'), bytes.subarray(0, bytes.length - 4));
    await expect(readNpy(path.join(tmp, 'cut.npy'))).rejects.toBeInstanceOf(HsiTruncatedError);
    await fs.writeFile(
      path.join(tmp, 'magic.npy'),
      Buffer.concat([Buffer.from('XX'), bytes.subarray(2)]),
    );
    await expect(readNpy(path.join(tmp, 'magic.npy'))).rejects.toMatchObject({ field: 'magic' });
    await fs.writeFile(
      path.join(tmp, 'f2.npy'),
      Buffer.from(bytes.toString('latin1').replace("'<f4'", "'<f2'"), 'latin1'),
    );
    await expect(readNpy(path.join(tmp, 'f2.npy'))).rejects.toMatchObject({
      name: 'HsiFormatError',
      field: 'descr',
    });
  });
});
