import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectMatchesReference,
  expectSameValues,
  fixture,
  itReadsBytesLikePath,
  referenceEntries,
  useTempDir,
  valuesOf,
} from '../../test/io-fixtures.js';
import { HsiFormatError, HsiTruncatedError } from '../errors.js';
import { readEnvi } from '../node/envi-files.js';
import { npyInfo, readNpy, readNpyWindow, writeNpy } from '../node/npy-files.js';
import { sampleTypeOf } from './dtypes.js';
import { encodeNpy, npyInfoFrom, readNpyFrom, readNpyWindowFrom } from './npy.js';

const tmpDir = useTempDir('hsi-npy-');

describe('NPY reader (numpy-written crops of Samson: every dtype, both byte orders, C and Fortran order)', () => {
  const entries = referenceEntries('npy/');
  it('covers 10 dtypes x C/F x little/big endian', () => expect(entries.length).toBe(36));
  for (const [key, ref] of entries) {
    it(key, async () => {
      const cube = await readNpy(fixture(ref.path));
      expectMatchesReference(cube, ref);
      // Every layout holds the same crop: compare with the C-order little-endian copy.
      const base = await readNpy(fixture(ref.path.replace(/_(le|be)_(C|F)\.npy$/, '_le_C.npy')));
      expectSameValues(valuesOf(cube), valuesOf(base));
      const win = { row: 1, col: 2, rows: 4, cols: 2, bands: [3, 0] };
      const part = await readNpyWindow(fixture(ref.path), win);
      expectSameValues(valuesOf(part), valuesOf(base, win));
    });
  }
});

describe('NPY writer', () => {
  it('round-trips a real cube in both axis orders and several types; numpy header is well formed', async () => {
    const cube = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    for (const axes of ['rows-cols-bands', 'bands-rows-cols'] as const) {
      for (const sampleType of ['float32', 'float64', 'int32', 'uint16'] as const) {
        const file = path.join(tmpDir(), `g_${axes}_${sampleType}.npy`);
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
    await fs.writeFile(path.join(tmpDir(), 'cut.npy'), bytes.subarray(0, bytes.length - 4));
    await expect(readNpy(path.join(tmpDir(), 'cut.npy'))).rejects.toBeInstanceOf(HsiTruncatedError);
    await fs.writeFile(
      path.join(tmpDir(), 'magic.npy'),
      Buffer.concat([Buffer.from('XX'), bytes.subarray(2)]),
    );
    await expect(readNpy(path.join(tmpDir(), 'magic.npy'))).rejects.toMatchObject({
      field: 'magic',
    });
    await fs.writeFile(
      path.join(tmpDir(), 'f2.npy'),
      Buffer.from(bytes.toString('latin1').replace("'<f4'", "'<f2'"), 'latin1'),
    );
    await expect(readNpy(path.join(tmpDir(), 'f2.npy'))).rejects.toMatchObject({
      name: 'HsiFormatError',
      field: 'descr',
    });
  });
});

describe('NPY over bytes (the browser entry)', () => {
  itReadsBytesLikePath(
    ['io/npy/float32_be_F.npy', 'io/npy/int16_le_C.npy', 'io/npy/uint64_le_F.npy'],
    { read: readNpy, readWindow: readNpyWindow, info: npyInfo },
    { read: readNpyFrom, readWindow: readNpyWindowFrom, info: npyInfoFrom },
    { row: 1, col: 0, rows: 3, cols: 2, bands: [2, 0] },
  );

  it('encodeNpy bytes read back in memory, in both axis orders', async () => {
    const cube = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    for (const axes of ['rows-cols-bands', 'bands-rows-cols'] as const) {
      const back = await readNpyFrom(
        new Blob(encodeNpy(cube, { axes }) as Uint8Array<ArrayBuffer>[]),
        {
          axes,
        },
      );
      expectSameValues(valuesOf(back), valuesOf(cube));
    }
  });
});
