import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectMatchesReference,
  fixture,
  fixtureSource,
  itReadsBytesLikePath,
  reference,
  useTempDir,
} from '../../test/io-fixtures.js';
import { type Cube, sampleIndex } from '../cube.js';
import { HsiFormatError, HsiTruncatedError, HsiValueError } from '../errors.js';
import { listMatVariables, matInfo, readMat } from '../node/mat-files.js';
import { sampleTypeOf } from './dtypes.js';
import { listMatVariablesFrom, matInfoFrom, readMatFrom } from './mat.js';
import { type CubeWindow, cropCube } from './window.js';

const tmpDir = useTempDir('hsi-mat-');

describe('MAT v5 reader on the real files (checked against scipy.io.loadmat)', () => {
  it('Urban: the largest 3-D array (im, 34 x 78 x 162 double) by default', async () => {
    const cube = await readMat(fixture('real/subimage_Urban_R162.mat'));
    expect(sampleTypeOf(cube.data)).toBe('float64');
    expectMatchesReference(cube, reference.files['real/urban']);
    const info = await matInfo(fixture('real/subimage_Urban_R162.mat'));
    expect(info).toMatchObject({
      format: 'mat',
      rows: 34,
      cols: 78,
      bands: 162,
      variable: 'im',
      sampleType: 'float64',
    });
  });

  it('Moffett: Y is 189 x 2500 bands x pixels in row-major pixel order; H and W come from the file', async () => {
    const cube = await readMat(fixture('real/Moffett_vca.mat'), {
      variable: 'Y',
      pixels: { order: 'row-major' },
    });
    expectMatchesReference(cube, reference.files['real/moffett']);
    // Without a variable name, `pixels` picks the largest 2-D array with 2500 pixels on one side: Y.
    const auto = await readMat(fixture('real/Moffett_vca.mat'), {
      pixels: { rows: 50, cols: 'W', order: 'row-major' },
    });
    expect(Buffer.from(auto.data.buffer).equals(Buffer.from(cube.data.buffer))).toBe(true);
  });

  it('Moffett: without options the largest 3-D array is A_VCA (50 x 50 x 3)', async () => {
    const cube = await readMat(fixture('real/Moffett_vca.mat'));
    expectMatchesReference(cube, reference.files['real/moffett_A_VCA']);
  });

  it('lists variables with class, dims and stored type, skipping nothing', async () => {
    const vars = await listMatVariables(fixture('real/Moffett_vca.mat'));
    expect(vars.map((v) => v.name)).toEqual([
      'H',
      'W',
      'L',
      'N',
      'Y',
      'P',
      'A0',
      'M0',
      'V',
      'U',
      'Y_bar',
      'Y_proj',
      'time_VCA',
      'A_VCA',
      'M_VCA',
      'selected_bands',
      'removed_bands',
    ]);
    expect(vars.find((v) => v.name === 'Y')).toMatchObject({
      matClass: 'double',
      dims: [189, 2500],
      storedType: 'float64',
    });
    expect(vars.find((v) => v.name === 'selected_bands')).toMatchObject({
      matClass: 'double',
      dims: [1, 189],
      storedType: 'uint8',
    });
  });
});

describe('MAT v5: Jasper layout (double stored as uint16, bands x pixels column-major), both byte orders, zipped or not', () => {
  for (const name of [
    'jasper_crop_le.mat',
    'jasper_crop_le_z.mat',
    'jasper_crop_be.mat',
    'jasper_crop_be_z.mat',
  ]) {
    it(name, async () => {
      const cube = await readMat(fixture(`io/mat/${name}`), { pixels: { order: 'column-major' } });
      // scipy (the reference) reads the uint16-stored doubles as float64; the values agree.
      expect(sampleTypeOf(cube.data)).toBe('uint16');
      expectMatchesReference(cube, { ...reference.files[`mat/${name}`], dtype: 'uint16' });
      const info = await matInfo(fixture(`io/mat/${name}`), { pixels: { order: 'column-major' } });
      expect(info).toMatchObject({
        rows: 12,
        cols: 9,
        bands: 198,
        variable: 'Y',
        littleEndian: name.includes('_le'),
      });
    });
  }
  it('the wrong pixel order gives a different (transposed) cube', async () => {
    const right = await readMat(fixture('io/mat/jasper_crop_le.mat'), {
      pixels: { rows: 'nRow', cols: 'nCol', order: 'column-major' },
    });
    const wrong = await readMat(fixture('io/mat/jasper_crop_le.mat'), {
      pixels: { rows: 12, cols: 9, order: 'row-major' },
    });
    expect(Buffer.from(wrong.data.buffer).equals(Buffer.from(right.data.buffer))).toBe(false);
    expect([...wrong.data].sort()).toEqual([...right.data].sort());
  });
});

describe('MAT v5: every numeric class and logical, written by scipy (compressed and not)', () => {
  for (const name of ['classes.mat', 'classes_z.mat']) {
    it(name, async () => {
      const ref = reference.files[`mat/${name}`];
      const vars = await listMatVariables(fixture(`io/mat/${name}`));
      expect(vars.find((v) => v.name === 'note')).toMatchObject({
        matClass: 'char',
        numeric: false,
      });
      expect(vars.find((v) => v.name === 'meta')).toMatchObject({
        matClass: 'struct',
        numeric: false,
      });
      expect(vars.find((v) => v.name === 'pair')).toMatchObject({
        matClass: 'cell',
        numeric: false,
      });
      for (const [variable, stats] of Object.entries(ref.variables ?? {})) {
        const cube = await readMat(fixture(`io/mat/${name}`), { variable });
        const want = stats.dtype.endsWith('int64') ? 'float64' : stats.dtype;
        expect(sampleTypeOf(cube.data), variable).toBe(want);
        // Variables are named c_<MATLAB class>.
        expect(vars.find((v) => v.name === variable)?.matClass).toBe(variable.slice(2));
        expectMatchesReference(cube, stats);
      }
    });
  }
});

describe('MAT v7.3 (HDF5, MATLAB layout made with h5py from the CAVE balloons cube)', () => {
  it('reads Omsi (24 x 20 x 31 uint16) as the largest 3-D array, dims un-reversed', async () => {
    const file = fixture('io/mat/balloons_crop_v73.mat');
    const vars = await listMatVariables(file);
    expect(vars.find((v) => v.name === 'Omsi')).toMatchObject({
      matClass: 'uint16',
      dims: [24, 20, 31],
    });
    const cube = await readMat(file);
    expect(sampleTypeOf(cube.data)).toBe('uint16');
    expectMatchesReference(cube, reference.files['mat/balloons_crop_v73.mat']);
    expect(await matInfo(file)).toMatchObject({ rows: 24, cols: 20, bands: 31, variable: 'Omsi' });
  });
});

describe('MAT bad input', () => {
  it('no 3-D variable: HsiFormatError listing what is there', async () => {
    const err = await readMat(fixture('io/mat/no_cube.mat')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.field).toBe('variable');
    expect(err.message).toMatch(
      /no 3-D numeric variable; the file has flat \(3x4 double\), k \(1x1 double\)/,
    );
  });

  it('a 2-D variable without pixels, a missing variable, a char variable, pixels that do not fit', async () => {
    await expect(readMat(fixture('real/Moffett_vca.mat'), { variable: 'Y' })).rejects.toThrow(
      /Y: is 2-D \(189x2500\); pass pixels/,
    );
    await expect(readMat(fixture('real/Moffett_vca.mat'), { variable: 'Q' })).rejects.toMatchObject(
      { field: 'Q' },
    );
    await expect(readMat(fixture('io/mat/classes.mat'), { variable: 'note' })).rejects.toThrow(
      /is a char/,
    );
    await expect(
      readMat(fixture('real/Moffett_vca.mat'), {
        variable: 'Y',
        pixels: { rows: 40, cols: 50, order: 'row-major' },
      }),
    ).rejects.toMatchObject({ field: 'pixels' });
    await expect(
      readMat(fixture('io/mat/jasper_crop_le.mat'), {
        pixels: { order: 'row-major', rows: 'nope' },
      }),
    ).rejects.toMatchObject({ field: 'pixels.rows' });
  });

  it('truncated copies of the real files: uncompressed and compressed', async () => {
    const urban = await fs.readFile(fixture('real/subimage_Urban_R162.mat'));
    await fs.writeFile(
      path.join(tmpDir(), 'urban_cut.mat'),
      urban.subarray(0, urban.length - 5000),
    );
    const err = await readMat(path.join(tmpDir(), 'urban_cut.mat')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiTruncatedError);
    expect(err.file).toBe(path.join(tmpDir(), 'urban_cut.mat'));
    const plain = await fs.readFile(fixture('io/mat/jasper_crop_le.mat'));
    await fs.writeFile(path.join(tmpDir(), 'plain_cut.mat'), plain.subarray(0, plain.length - 100));
    await expect(
      readMat(path.join(tmpDir(), 'plain_cut.mat'), { pixels: { order: 'column-major' } }),
    ).rejects.toBeInstanceOf(HsiTruncatedError);
    await fs.writeFile(path.join(tmpDir(), 'tiny.mat'), plain.subarray(0, 60));
    await expect(readMat(path.join(tmpDir(), 'tiny.mat'))).rejects.toBeInstanceOf(
      HsiTruncatedError,
    );
  });

  it('a truncated v7.3 file', async () => {
    const bytes = await fs.readFile(fixture('io/mat/balloons_crop_v73.mat'));
    await fs.writeFile(path.join(tmpDir(), 'v73_cut.mat'), bytes.subarray(0, bytes.length - 5000));
    const err = await readMat(path.join(tmpDir(), 'v73_cut.mat')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiTruncatedError);
    expect(err).toMatchObject({
      field: 'HDF5 end-of-file address',
      expectedBytes: bytes.length,
      actualBytes: bytes.length - 5000,
    });
  });

  it('not a MAT file', async () => {
    const err = await readMat(fixture('real/jasperRidge2_R198.img')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.field).toBe('header');
  });

  it('NaN in a real cube: reported with its position, or filled', async () => {
    // Urban `im` is stored zlib-compressed: rebuild it uncompressed with a NaN at (row 2, col 5, band 9).
    const { unzlibSync } = await import('fflate');
    const bytes = new Uint8Array(await fs.readFile(fixture('real/subimage_Urban_R162.mat')));
    const view = new DataView(bytes.buffer);
    const inner = unzlibSync(bytes.subarray(136, 136 + view.getUint32(132, true)));
    const iv = new DataView(inner.buffer, inner.byteOffset);
    // Tag at 0 (miMATRIX), flags 8..24, dims 24..48 (3 dims + pad), name 48..56 (small element), real tag at 56.
    expect(iv.getUint32(56, true)).toBe(9);
    iv.setFloat64(64 + 8 * (2 + 5 * 34 + 9 * 34 * 78), Number.NaN, true);
    const file = path.join(tmpDir(), 'urban_nan.mat');
    await fs.writeFile(file, Buffer.concat([bytes.subarray(0, 128), inner]));
    const err = await readMat(file).catch((e) => e);
    expect(err).toBeInstanceOf(HsiValueError);
    expect(err.field).toBe('im');
    expect(err.firstNonFinite).toEqual({ row: 2, col: 5, band: 9 });
    const filled = await readMat(file, { nonFinite: { fill: 0 } });
    expect(filled.data[sampleIndex(filled, 2, 5, 9)]).toBe(0);
  });
});

describe('MAT over bytes (the browser entry): v5, and v7.3 through h5wasm in memory', () => {
  const cases: [string, Parameters<typeof readMat>[1]][] = [
    ['real/subimage_Urban_R162.mat', {}],
    ['io/mat/jasper_crop_be_z.mat', { pixels: { order: 'column-major' } }],
    ['io/mat/balloons_crop_v73.mat', {}],
  ];
  // A MAT variable is decoded whole; a window of it is a crop.
  const crop = (cube: Cube, w: CubeWindow) => cropCube('mat', cube, w);
  for (const [rel, opts] of cases)
    itReadsBytesLikePath(
      [rel],
      {
        read: (f) => readMat(f, opts),
        readWindow: async (f, w) => crop(await readMat(f, opts), w),
        info: (f) => matInfo(f, opts),
      },
      {
        read: (s) => readMatFrom(s, opts),
        readWindow: async (s, w) => crop(await readMatFrom(s, opts), w),
        info: (s) => matInfoFrom(s, opts),
      },
      { row: 1, col: 2, rows: 3, cols: 4, bands: [0, 5] },
    );

  it('lists the same variables from bytes as from the file, v5 and v7.3', async () => {
    for (const [rel] of cases)
      expect(await listMatVariablesFrom(await fixtureSource(rel, 'blob'))).toEqual(
        await listMatVariables(fixture(rel)),
      );
  });

  it('a truncated v7.3 Blob is HsiTruncatedError; the in-memory copy is freed after each read', async () => {
    const bytes = await fs.readFile(fixture('io/mat/balloons_crop_v73.mat'));
    const err = await readMatFrom(
      new File([bytes.subarray(0, bytes.length - 5000)], 'cut_v73.mat'),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(HsiTruncatedError);
    expect(err).toMatchObject({ file: 'cut_v73.mat', field: 'HDF5 end-of-file address' });
    const { FS } = await import('h5wasm');
    const before = (FS as unknown as { readdir(p: string): string[] }).readdir('/');
    await readMatFrom(new File([bytes], 'b.mat'));
    expect((FS as unknown as { readdir(p: string): string[] }).readdir('/')).toEqual(before);
  });
});
