import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cube, sampleIndex } from '../cube.js';
import { sampleTypeOf } from './dtypes.js';
import { readEnvi } from './envi.js';
import { HsiFormatError, HsiTruncatedError, HsiDataValueError } from './errors.js';
import { geoTiffInfo, readGeoTiff, readGeoTiffWindow, writeGeoTiff } from './geotiff.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const fixture = (rel: string) => path.join(FIXTURES, rel);
interface Ref {
  path: string;
  rows: number;
  cols: number;
  bands: number;
  dtype: string;
  min: number;
  max: number;
  sum: number;
  samples: [number, number, number, number][];
  wavelengths: { count: number; first: number; last: number; at: [number, number][] } | null;
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
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hsi-tiff-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('GeoTIFF reader on GDAL-written crops of real scenes (checked against GDAL)', () => {
  const entries = Object.entries(reference.files).filter(([k]) => k.startsWith('tiff/'));
  for (const [key, ref] of entries) {
    it(key, async () => {
      const cube = await readGeoTiff(fixture(ref.path));
      expect([cube.rows, cube.cols, cube.bands]).toEqual([ref.rows, ref.cols, ref.bands]);
      expect(sampleTypeOf(cube.data)).toBe(ref.dtype);
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of cube.data) {
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect([min, max]).toEqual([ref.min, ref.max]);
      expect(Math.abs(sum - ref.sum)).toBeLessThanOrEqual(1e-6 * Math.abs(ref.sum));
      for (const [r, c, b, v] of ref.samples) expect(cube.data[sampleIndex(cube, r, c, b)]).toBe(v);
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
    const want: number[] = [];
    for (let r = 0; r < 24; r++)
      for (let c = 0; c < 40; c++)
        for (let b = 0; b < 156; b++) want.push(envi.data[sampleIndex(envi, 30 + r, 20 + c, b)]);
    expectSameValues(valuesOf(tiff), want);
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
      const want: number[] = [];
      for (let r = 0; r < 11; r++)
        for (let c = 0; c < 3; c++)
          for (const b of bands) want.push(full.data[sampleIndex(full, 5 + r, 7 + c, b)]);
      expectSameValues(valuesOf(part), want);
      if (full.wavelengths)
        expect(part.wavelengths).toEqual(bands.map((b) => full.wavelengths?.[b]));
    });
  }
  it('rejects a window outside the image', async () => {
    await expect(
      readGeoTiffWindow(fixture('io/tiff/samson_band.tif'), { row: 20, col: 0, rows: 5, cols: 1 }),
    ).rejects.toBeInstanceOf(HsiDataValueError);
  });
});

describe('GeoTIFF writer', () => {
  it('round-trips a real cube with wavelengths, pixel- and band-interleaved, several types', async () => {
    const gams = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    const cube = { ...gams, wavelengthUnits: 'Nanometers' };
    for (const interleave of ['bip', 'bsq'] as const) {
      for (const sampleType of ['float32', 'float64', 'uint16', 'int32'] as const) {
        const file = path.join(tmp, `g_${interleave}_${sampleType}.tif`);
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
    await fs.writeFile(path.join(tmp, 'cut.tif'), bytes.subarray(0, 40000));
    const cut = await readGeoTiff(path.join(tmp, 'cut.tif')).catch((e) => e);
    expect(cut).toBeInstanceOf(HsiTruncatedError);
    expect(cut.field).toBe('StripOffsets/StripByteCounts');
    expect(cut.actualBytes).toBe(40000);
    const err = await readGeoTiff(fixture('real/samson_1.img')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.file).toBe(fixture('real/samson_1.img'));
  });
});
