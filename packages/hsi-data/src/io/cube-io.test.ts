import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  expectSameValues,
  fixture,
  fixtureSource,
  realCrop,
  useTempDir,
  valuesOf,
} from '../../test/io-fixtures.js';
import { cubeToTensor } from '../cube.js';
import { HsiConfigError, HsiFormatError } from '../errors.js';
import { cubeInfo, readCube, readCubeWindow, writeCube } from '../node/cube-files.js';
import { sampleTypeOf } from './dtypes.js';
import {
  cubeFormatOf,
  cubeInfoFrom,
  encodeCube,
  readCubeFrom,
  readCubeWindowFrom,
} from './cube-io.js';

const tmpDir = useTempDir('hsi-cubeio-');

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
      expectSameValues(valuesOf(part), valuesOf(full, win));
    });
  }

  it('a read cube goes to a tensor with the same values and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const cube = await realCrop('real/jasperRidge2_R198.hdr', [10, 10, 4, 3]);
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
      const src = await realCrop(
        'real/jasperRidge2_R198.hdr',
        [30, 40, 9, 11],
        [0, 5, 50, 100, 197],
      );
      const file = path.join(tmpDir(), `rt${ext}`);
      const written = await writeCube(file, src);
      for (const f of written) await expect(fs.stat(f)).resolves.toBeTruthy();
      const back = await readCube(file);
      expect(sampleTypeOf(back.data)).toBe('int16');
      expectSameValues(valuesOf(back), valuesOf(src));
      if (ext !== '.npy') expect(back.wavelengths).toEqual(src.wavelengths);
    });
  }

  it('a failed write leaves the old file as it was and no temp file behind', async () => {
    const src = await realCrop('real/samson_1.img', [0, 0, 3, 3]);
    const file = path.join(tmpDir(), 'keep.mat');
    await writeCube(file, src);
    const before = await fs.readFile(file);
    await expect(writeCube(file, src, { variable: 'not a name' })).rejects.toThrow(HsiConfigError);
    expect((await fs.readFile(file)).equals(before)).toBe(true);
    await expect(
      writeCube(path.join(tmpDir(), 'bad.tif'), src, { interleave: 'bil' }),
    ).rejects.toMatchObject({ field: 'interleave' });
    expect(
      (await fs.readdir(tmpDir())).filter((f) => f.endsWith('.tmp') || f.endsWith('.partial')),
    ).toEqual([]);
  });
});

describe('readCubeFrom / readCubeWindowFrom / cubeInfoFrom / encodeCube over bytes', () => {
  const file = (parts: Uint8Array[], name: string) =>
    new File(parts as Uint8Array<ArrayBuffer>[], name);

  it('dispatches by the source name (or a { header, data } pair) and reads what the path readers read', async () => {
    const cases: [Parameters<typeof readCubeFrom>[0], string, object][] = [
      [
        {
          header: await fixtureSource('real/jasperRidge2_R198.hdr', 'blob'),
          data: await fixtureSource('real/jasperRidge2_R198.img', 'blob'),
        },
        'real/jasperRidge2_R198.hdr',
        {},
      ],
      [
        await fixtureSource('real/Moffett_vca.mat', 'blob'),
        'real/Moffett_vca.mat',
        { variable: 'Y', pixels: { order: 'row-major' } },
      ],
      [
        await fixtureSource('io/tiff/samson_tiled_deflate.tif', 'bytes'),
        'io/tiff/samson_tiled_deflate.tif',
        {},
      ],
      [await fixtureSource('io/npy/uint16_be_F.npy', 'bytes'), 'io/npy/uint16_be_F.npy', {}],
    ];
    for (const [input, rel, opts] of cases) {
      const full = await readCube(fixture(rel), opts);
      expectSameValues((await readCubeFrom(input, opts)).data, full.data);
      const win = { row: 1, col: 2, rows: 3, cols: 2, bands: [full.bands - 1, 0] };
      expectSameValues(valuesOf(await readCubeWindowFrom(input, win, opts)), valuesOf(full, win));
      const info = await cubeInfoFrom(input, opts);
      expect([info.rows, info.cols, info.bands]).toEqual([full.rows, full.cols, full.bands]);
    }
  });

  it('says what is missing: a nameless source without format, ENVI data without its header', async () => {
    const bytes = new Uint8Array(await fs.readFile(fixture('io/npy/int16_le_C.npy')));
    await expect(readCubeFrom(bytes)).rejects.toMatchObject({
      name: 'HsiFormatError',
      field: 'format',
    });
    expect((await readCubeFrom(bytes, { format: 'npy' })).rows).toBeGreaterThan(0);
    await expect(
      readCubeFrom(await fixtureSource('real/samson_1.img', 'blob')),
    ).rejects.toMatchObject({ field: 'header', file: 'samson_1.img' });
    await expect(
      readCubeFrom({ header: bytes, data: bytes }, { format: 'npy' }),
    ).rejects.toMatchObject({ field: 'format' });
    expect(() => cubeFormatOf('C:\\scenes\\x.TIFF')).not.toThrow();
    expect(cubeFormatOf('C:\\scenes.v2\\x')).toBe('envi');
  });

  it('encodeCube names the files as writeCube does, and they read back', async () => {
    const src = await realCrop('real/jasperRidge2_R198.hdr', [30, 40, 9, 11], [0, 5, 197]);
    const envi = encodeCube('out/rt.hdr', src, { interleave: 'bip', sampleType: 'float32' });
    expect(envi.map((f) => f.name)).toEqual(['out/rt.img', 'out/rt.hdr']);
    const back = await readCubeFrom({
      header: file(envi[1].parts, 'rt.hdr'),
      data: file(envi[0].parts, 'rt.img'),
    });
    expectSameValues(valuesOf(back), valuesOf(src));
    for (const name of ['rt.mat', 'rt.tif', 'rt.npy']) {
      const [only] = encodeCube(name, src);
      expect(only.name).toBe(name);
      expectSameValues(valuesOf(await readCubeFrom(file(only.parts, name))), valuesOf(src));
    }
    // The path writer writes exactly these bytes.
    const written = await writeCube(path.join(tmpDir(), 'same.npy'), src);
    const [encoded] = encodeCube('same.npy', src);
    expect(new Uint8Array(await fs.readFile(written[0]))).toEqual(
      new Uint8Array(await new Blob(encoded.parts as Uint8Array<ArrayBuffer>[]).arrayBuffer()),
    );
  });
});
