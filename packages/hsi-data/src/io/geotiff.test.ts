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
import { HsiFormatError, HsiTruncatedError, HsiValueError } from '../errors.js';
import { readEnvi } from '../node/envi-files.js';
import {
  geoTiffInfo,
  readGeoTiff,
  readGeoTiffWindow,
  writeGeoTiff,
} from '../node/geotiff-files.js';
import { sampleTypeOf } from './dtypes.js';
import {
  encodeGeoTiff,
  geoTiffInfoFrom,
  readGeoTiffFrom,
  readGeoTiffWindowFrom,
} from './geotiff.js';

const tmpDir = useTempDir('hsi-tiff-');

describe('GeoTIFF reader on GDAL-written crops of real scenes (checked against GDAL)', () => {
  for (const [key, ref] of referenceEntries('tiff/')) {
    it(key, async () => {
      const cube = await readGeoTiff(fixture(ref.path));
      expectMatchesReference(cube, { ...ref, wavelengths: null });
      if (ref.wavelengths) {
        expect(cube.wavelengths).toHaveLength(ref.wavelengths.count);
        for (const [k, w] of ref.wavelengths.at) expect(cube.wavelengths?.[k]).toBe(w);
        expect(cube.wavelengthUnits).toBe('Nanometers');
      } else {
        expect(cube.wavelengths).toBeUndefined();
      }
    });
  }

  it('the GeoTIFF crop equals the same window of the ENVI original', async () => {
    const envi = await readEnvi(fixture('real/samson_1.img'));
    const tiff = await readGeoTiff(fixture('io/tiff/samson_pixel.tif'));
    expectSameValues(valuesOf(tiff), valuesOf(envi, { row: 30, col: 20, rows: 24, cols: 40 }));
    expect(tiff.wavelengths).toEqual(envi.wavelengths);
  });

  it('info: interleave from PlanarConfiguration, tile size when tiled', async () => {
    expect(await geoTiffInfo(fixture('io/tiff/samson_band.tif'))).toMatchObject({
      interleave: 'bsq',
      rows: 24,
      cols: 40,
      bands: 156,
      sampleType: 'int16',
    });
    const tiled = await geoTiffInfo(fixture('io/tiff/samson_tiled_deflate.tif'));
    expect(tiled).toMatchObject({ interleave: 'bip', tileSize: { width: 16, height: 16 } });
    expect(tiled.wavelengths?.[155]).toBe(899.074585);
  });
});

describe('GeoTIFF windowed reads equal the same slice of a full read', () => {
  for (const name of [
    'samson_pixel.tif',
    'samson_band.tif',
    'samson_tiled_deflate.tif',
    'gamsberg_float_nowl.tif',
  ]) {
    it(name, async () => {
      const full = await readGeoTiff(fixture(`io/tiff/${name}`));
      const bands = [full.bands - 1, 3, 0];
      const win = { row: 5, col: 7, rows: 11, cols: 3, bands };
      const part = await readGeoTiffWindow(fixture(`io/tiff/${name}`), win);
      expectSameValues(valuesOf(part), valuesOf(full, win));
      if (full.wavelengths)
        expect(part.wavelengths).toEqual(bands.map((b) => full.wavelengths?.[b]));
    });
  }
  it('rejects a window outside the image', async () => {
    await expect(
      readGeoTiffWindow(fixture('io/tiff/samson_band.tif'), { row: 20, col: 0, rows: 5, cols: 1 }),
    ).rejects.toBeInstanceOf(HsiValueError);
  });
});

describe('GeoTIFF writer', () => {
  it('round-trips a real cube with wavelengths, pixel- and band-interleaved, several types', async () => {
    const gams = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    const cube = { ...gams, wavelengthUnits: 'Nanometers' };
    for (const interleave of ['bip', 'bsq'] as const) {
      for (const sampleType of ['float32', 'float64', 'uint16', 'int32'] as const) {
        const file = path.join(tmpDir(), `g_${interleave}_${sampleType}.tif`);
        await writeGeoTiff(file, cube, { interleave, sampleType });
        const back = await readGeoTiff(file);
        expect(sampleTypeOf(back.data)).toBe(sampleType);
        expectSameValues(
          valuesOf(back),
          valuesOf(cube).map((v) => (sampleType.startsWith('float') ? v : Math.trunc(v))),
        );
        expect(back.wavelengths).toEqual(cube.wavelengths);
        expect(back.wavelengthUnits).toBe('Nanometers');
        expect((await geoTiffInfo(file)).interleave).toBe(interleave);
      }
    }
  });
});

describe('GeoTIFF bad input', () => {
  it('a truncated file and a file that is not a TIFF', async () => {
    const bytes = await fs.readFile(fixture('io/tiff/samson_pixel.tif'));
    await fs.writeFile(path.join(tmpDir(), 'cut.tif'), bytes.subarray(0, 40000));
    const cut = await readGeoTiff(path.join(tmpDir(), 'cut.tif')).catch((e) => e);
    expect(cut).toBeInstanceOf(HsiTruncatedError);
    expect(cut.field).toBe('StripOffsets/StripByteCounts');
    expect(cut.actualBytes).toBe(40000);
    const err = await readGeoTiff(fixture('real/samson_1.img')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.file).toBe(fixture('real/samson_1.img'));
  });
});

describe('GeoTIFF over bytes (the browser entry), through geotiff.js source interface', () => {
  itReadsBytesLikePath(
    ['io/tiff/samson_band.tif', 'io/tiff/samson_tiled_deflate.tif'],
    { read: readGeoTiff, readWindow: readGeoTiffWindow, info: geoTiffInfo },
    { read: readGeoTiffFrom, readWindow: readGeoTiffWindowFrom, info: geoTiffInfoFrom },
    { row: 2, col: 3, rows: 9, cols: 5, bands: [155, 1] },
  );

  it('encodeGeoTiff bytes read back in memory; a cut Blob is HsiTruncatedError naming it', async () => {
    const cube = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    const parts = encodeGeoTiff(cube, { interleave: 'bsq' });
    const back = await readGeoTiffFrom(new Blob(parts as Uint8Array<ArrayBuffer>[]));
    expectSameValues(valuesOf(back), valuesOf(cube));
    const whole = new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
    const cut = await readGeoTiffFrom(new File([whole.subarray(0, 5000)], 'cut.tif')).catch(
      (e) => e,
    );
    expect(cut).toBeInstanceOf(HsiTruncatedError);
    expect(cut).toMatchObject({ file: 'cut.tif', actualBytes: 5000 });
  });
});
