import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cube, cubeToTensor, sampleIndex } from '../cube.js';
import { cubeFormatOf, cubeInfo, readCube, readCubeWindow, writeCube } from './cube-io.js';
import { sampleTypeOf } from './dtypes.js';
import { HsiFormatError } from './errors.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const fixture = (rel: string) => path.join(FIXTURES, rel);

function valuesOf(cube: Cube, bands = Array.from({ length: cube.bands }, (_, k) => k)): number[] {
  const out: number[] = [];
  for (let r = 0; r < cube.rows; r++)
    for (let c = 0; c < cube.cols; c++)
      for (const b of bands) out.push(cube.data[sampleIndex(cube, r, c, b)]);
  return out;
}
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      expect({ index: i, value: actual[i] }).toEqual({ index: i, value: expected[i] });
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hsi-cubeio-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const FILES: [string, string, object][] = [
  ['ENVI BIL (header name)', 'real/jasperRidge2_R198.hdr', {}],
  ['ENVI BSQ (data name)', 'real/samson_1.img', {}],
  ['ENVI without extension', 'real/cubus_gamsberg_subset', {}],
  ['MAT v5', 'real/subimage_Urban_R162.mat', {}],
  [
    'MAT v5 2-D + pixels',
    'real/Moffett_vca.mat',
    { variable: 'Y', pixels: { order: 'row-major' } },
  ],
  ['MAT v7.3', 'io/mat/balloons_crop_v73.mat', {}],
  ['GeoTIFF tiled', 'io/tiff/samson_tiled_deflate.tif', {}],
  ['NPY Fortran big-endian', 'io/npy/uint16_be_F.npy', {}],
];

describe('readCube / readCubeWindow / cubeInfo dispatch by extension', () => {
  it('maps extensions to formats and rejects unknown ones', () => {
    expect(
      ['x.hdr', 'x.img', 'x', 'x.BIL', 'x.mat', 'x.TIF', 'x.tiff', 'x.npy'].map(cubeFormatOf),
    ).toEqual(['envi', 'envi', 'envi', 'envi', 'mat', 'geotiff', 'geotiff', 'npy']);
    expect(() => cubeFormatOf('scene.png')).toThrow(HsiFormatError);
    expect(() => cubeFormatOf('scene.png')).toThrow(/scene\.png: extension/);
  });

  for (const [title, rel, opts] of FILES) {
    it(title, async () => {
      const file = fixture(rel);
      const info = await cubeInfo(file, opts);
      const full = await readCube(file, opts);
      expect([full.rows, full.cols, full.bands]).toEqual([info.rows, info.cols, info.bands]);
      expect(full.interleave).toBe(info.interleave);
      const expectedType = info.sampleType.endsWith('int64') ? 'float64' : info.sampleType;
      expect(sampleTypeOf(full.data)).toBe(expectedType);
      const bands = [info.bands - 1, 0, Math.floor(info.bands / 2)];
      const win = {
        row: 2,
        col: 1,
        rows: Math.min(7, info.rows - 2),
        cols: Math.min(5, info.cols - 1),
        bands,
      };
      const part = await readCubeWindow(file, win, opts);
      const want: number[] = [];
      for (let r = 0; r < win.rows; r++)
        for (let c = 0; c < win.cols; c++)
          for (const b of bands) want.push(full.data[sampleIndex(full, 2 + r, 1 + c, b)]);
      expectSameValues(valuesOf(part), want);
    });
  }

  it('a read cube goes to a tensor with the same values and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const cube = await readCubeWindow(fixture('real/jasperRidge2_R198.hdr'), {
      row: 10,
      col: 10,
      rows: 4,
      cols: 3,
    });
    const before = tf.memory().numTensors;
    const t = cubeToTensor(tf, cube);
    expect(t.shape).toEqual([4, 3, 198]);
    const values = await t.data();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expectSameValues(values, valuesOf(cube));
  });
});

describe('writeCube round-trips every format', () => {
  for (const ext of ['.img', '.hdr', '', '.mat', '.tif', '.npy']) {
    it(`writes ${ext || 'no extension'} and reads it back`, async () => {
      const src = await readCubeWindow(fixture('real/jasperRidge2_R198.hdr'), {
        row: 30,
        col: 40,
        rows: 9,
        cols: 11,
        bands: [0, 5, 50, 100, 197],
      });
      const file = path.join(tmp, `rt${ext}`);
      const written = await writeCube(file, src);
      for (const f of written) await expect(fs.stat(f)).resolves.toBeTruthy();
      const back = await readCube(file);
      expect(sampleTypeOf(back.data)).toBe('int16');
      expectSameValues(valuesOf(back), valuesOf(src));
      if (ext !== '.npy') expect(back.wavelengths).toEqual(src.wavelengths);
    });
  }

  it('a failed write leaves the old file as it was and no temp file behind', async () => {
    const src = await readCubeWindow(fixture('real/samson_1.img'), {
      row: 0,
      col: 0,
      rows: 3,
      cols: 3,
    });
    const file = path.join(tmp, 'keep.mat');
    await writeCube(file, src);
    const before = await fs.readFile(file);
    await expect(writeCube(file, src, { variable: 'not a name' })).rejects.toThrow(RangeError);
    expect((await fs.readFile(file)).equals(before)).toBe(true);
    await expect(
      writeCube(path.join(tmp, 'bad.tif'), src, { interleave: 'bil' }),
    ).rejects.toMatchObject({ field: 'interleave' });
    expect((await fs.readdir(tmp)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
