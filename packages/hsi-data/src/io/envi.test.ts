import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cube, type Interleave, sampleIndex } from '../cube.js';
import { sampleTypeOf } from './dtypes.js';
import { enviInfo, readEnvi, readEnviWindow, writeEnvi } from './envi.js';
import { parseEnviHeader } from './envi-header.js';
import { HsiFormatError, HsiTruncatedError, HsiDataValueError } from './errors.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
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
  interleave?: string;
  byteOrder?: number;
  headerOffset?: number;
  wavelengths: { count: number; first: number; last: number; at: [number, number][] } | null;
}
const reference = JSON.parse(
  await fs.readFile(path.join(FIXTURES, 'io/reference.json'), 'utf8'),
) as {
  files: Record<string, Ref>;
};
const fixture = (rel: string) => path.join(FIXTURES, rel);

function expectMatchesReference(cube: Cube, ref: Ref): void {
  expect([cube.rows, cube.cols, cube.bands]).toEqual([ref.rows, ref.cols, ref.bands]);
  expect(sampleTypeOf(cube.data)).toBe(
    ref.dtype === 'int64' || ref.dtype === 'uint64' ? 'float64' : ref.dtype,
  );
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of cube.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  expect(min).toBe(ref.min);
  expect(max).toBe(ref.max);
  expect(sum).toBeCloseTo(ref.sum, Math.abs(ref.sum) > 1e9 ? -3 : 3);
  for (const [r, c, b, v] of ref.samples) expect(cube.data[sampleIndex(cube, r, c, b)]).toBe(v);
  if (ref.wavelengths) {
    expect(cube.wavelengths).toHaveLength(ref.wavelengths.count);
    for (const [k, w] of ref.wavelengths.at) expect(cube.wavelengths?.[k]).toBeCloseTo(w, 5);
  }
}

/** The sub-cube of `cube` at the window, as plain numbers in (r, c, k) order. */
function sliceOf(
  cube: Cube,
  row: number,
  col: number,
  rows: number,
  cols: number,
  bands: number[],
): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (const b of bands) out.push(cube.data[sampleIndex(cube, row + r, col + c, b)]);
  return out;
}
function allOf(cube: Cube): number[] {
  return sliceOf(
    cube,
    0,
    0,
    cube.rows,
    cube.cols,
    Array.from({ length: cube.bands }, (_, k) => k),
  );
}

/** Element-wise equality of two long numeric arrays, fast (vitest's deep equality is slow on millions). */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      expect({ index: i, value: actual[i] }).toEqual({ index: i, value: expected[i] });
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hsi-envi-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('ENVI reader on the real scenes (checked against GDAL)', () => {
  it('Jasper Ridge: BIL int16, header x.hdr beside x.img, opened by either name', async () => {
    const ref = reference.files['real/jasper'];
    const byHeader = await readEnvi(fixture('real/jasperRidge2_R198.hdr'));
    expect(byHeader.interleave).toBe('bil');
    expectMatchesReference(byHeader, ref);
    expect(byHeader.scaleFactor).toBe(10000);
    expect(byHeader.wavelengthUnits).toBe('Nanometers');
    expect(byHeader.metadata?.['default bands']).toEqual(['32', '17', '4']);
    const byData = await readEnvi(fixture('real/jasperRidge2_R198.img'));
    expectSameValues(byData.data, byHeader.data);
  });

  it('Samson: BSQ int16 with the header named x.img.hdr, map info kept', async () => {
    const ref = reference.files['real/samson'];
    const cube = await readEnvi(fixture('real/samson_1.img'));
    expect(cube.interleave).toBe('bsq');
    expectMatchesReference(cube, ref);
    expect(cube.mapInfo).toMatch(/^UTM, 1\.000, 1\.000, 612730\.910/);
    expect(cube.coordinateSystem).toMatch(/^PROJCS\["UTM_Zone_10N"/);
    const viaHeader = await readEnvi(fixture('real/samson_1.img.hdr'));
    expectSameValues(viaHeader.data, cube.data);
  });

  it('Gamsberg: float32 BSQ whose data file has no extension; band names and fwhm', async () => {
    const ref = reference.files['real/gamsberg'];
    const cube = await readEnvi(fixture('real/cubus_gamsberg_subset.hdr'));
    expectMatchesReference(cube, ref);
    expect(cube.bandNames?.[0]).toBe('Resize (Band 1:resampled_clipped_2013317) (426.820007)');
    expect(cube.fwhm).toHaveLength(189);
    const info = await enviInfo(fixture('real/cubus_gamsberg_subset'));
    expect(info).toMatchObject({
      rows: 25,
      cols: 10,
      bands: 189,
      sampleType: 'float32',
      interleave: 'bsq',
    });
    expect(info.dataFile).toBe(fixture('real/cubus_gamsberg_subset'));
  });
});

describe('ENVI reader on every data type, interleave and byte order (numpy-written crops of Jasper)', () => {
  const variants = Object.entries(reference.files).filter(([k]) => k.startsWith('envi/'));
  it('covers types 1 2 3 4 5 12 13 14 15, three interleaves, both byte orders', () => {
    const codes = new Set(variants.map(([k]) => Number(/t(\d+)_/.exec(k)?.[1])));
    expect([...codes].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 12, 13, 14, 15]);
    for (const il of ['bsq', 'bil', 'bip'])
      for (const bo of [0, 1])
        expect(variants.some(([, r]) => r.interleave === il && r.byteOrder === bo)).toBe(true);
  });
  for (const [key, ref] of variants) {
    it(key, async () => {
      const cube = await readEnvi(fixture(ref.path));
      expect(cube.interleave).toBe(ref.interleave);
      expectMatchesReference(cube, ref);
      const info = await enviInfo(fixture(ref.path));
      expect(info.littleEndian).toBe(ref.byteOrder === 0);
      expect(info.headerOffset).toBe(ref.headerOffset);
    });
  }
});

describe('ENVI windowed reads equal the same slice of a full read', () => {
  const cases: [string, string][] = [
    ['BIL (Jasper)', 'real/jasperRidge2_R198.hdr'],
    ['BSQ (Samson)', 'real/samson_1.img'],
    ['BIP big-endian int16', 'io/envi/t2_bip_be.hdr'],
    ['BSQ float32 with header offset', 'io/envi/t4_bsq_le.hdr'],
  ];
  for (const [title, rel] of cases) {
    it(title, async () => {
      const full = await readEnvi(fixture(rel));
      const bandSets = [undefined, [full.bands - 1, 0, 2, 2]];
      for (const bands of bandSets) {
        const win = {
          row: 1,
          col: 2,
          rows: full.rows - 2,
          cols: Math.max(1, full.cols - 3),
          bands,
        };
        const part = await readEnviWindow(fixture(rel), win);
        const chosen = bands ?? Array.from({ length: full.bands }, (_, k) => k);
        expect([part.rows, part.cols, part.bands]).toEqual([win.rows, win.cols, chosen.length]);
        expectSameValues(allOf(part), sliceOf(full, win.row, win.col, win.rows, win.cols, chosen));
        if (full.wavelengths)
          expect(part.wavelengths).toEqual(chosen.map((b) => full.wavelengths?.[b]));
      }
    });
  }

  it('reports progress, stops on abort, rejects a window outside the image', async () => {
    const seen: number[] = [];
    await readEnviWindow(
      fixture('real/jasperRidge2_R198.hdr'),
      { row: 0, col: 0, rows: 100, cols: 100 },
      { onProgress: (f) => seen.push(f) },
    );
    expect(seen.at(-1)).toBe(1);
    const ctl = new AbortController();
    ctl.abort();
    await expect(
      readEnvi(fixture('real/jasperRidge2_R198.hdr'), { signal: ctl.signal }),
    ).rejects.toThrow(/abort/i);
    const err = await readEnviWindow(fixture('real/samson_1.img'), {
      row: 90,
      col: 0,
      rows: 10,
      cols: 5,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(HsiDataValueError);
    expect(err.field).toBe('window');
    await expect(
      readEnviWindow(fixture('real/samson_1.img'), {
        row: 0,
        col: 0,
        rows: 1,
        cols: 1,
        bands: [156],
      }),
    ).rejects.toMatchObject({ field: 'window.bands' });
  });
});

describe('ENVI writer', () => {
  it('round-trips a real cube in every interleave, type and byte order', async () => {
    const samson = await readEnviWindow(fixture('real/samson_1.img'), {
      row: 10,
      col: 20,
      rows: 7,
      cols: 6,
    });
    const interleaves: Interleave[] = ['bsq', 'bil', 'bip'];
    const types = [
      'uint8',
      'int16',
      'int32',
      'float32',
      'float64',
      'uint16',
      'uint32',
      'int64',
      'uint64',
    ] as const;
    let i = 0;
    for (const sampleType of types) {
      const interleave = interleaves[i % 3];
      const byteOrder = (i % 2) as 0 | 1;
      i++;
      // Keep the values inside every type's range: Samson is in -17..1402.
      const shifted = {
        ...samson,
        data: Float64Array.from(samson.data, (v) =>
          sampleType === 'uint8' ? (v + 17) % 256 : v + 17,
        ),
      };
      const file = path.join(tmp, `rt_${sampleType}`);
      const written = await writeEnvi(file, shifted, { interleave, sampleType, byteOrder });
      expect(written).toEqual({ headerFile: `${file}.hdr`, dataFile: file });
      const back = await readEnvi(file);
      expect(back.interleave).toBe(interleave);
      expect(sampleTypeOf(back.data)).toBe(
        sampleType.endsWith('64') && sampleType !== 'float64' ? 'float64' : sampleType,
      );
      expectSameValues(allOf(back), allOf(shifted));
      expect(back.wavelengths).toEqual(samson.wavelengths);
      expect(back.mapInfo).toBe(samson.mapInfo);
    }
    expect((await fs.readdir(tmp)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names the files from either name: x.hdr -> x.img, x.img.hdr -> x.img, x.img -> x.hdr', async () => {
    const cube = await readEnviWindow(fixture('real/jasperRidge2_R198.hdr'), {
      row: 0,
      col: 0,
      rows: 3,
      cols: 4,
    });
    expect(await writeEnvi(path.join(tmp, 'a.hdr'), cube)).toEqual({
      headerFile: path.join(tmp, 'a.hdr'),
      dataFile: path.join(tmp, 'a.img'),
    });
    expect(await writeEnvi(path.join(tmp, 'b.img.hdr'), cube)).toEqual({
      headerFile: path.join(tmp, 'b.img.hdr'),
      dataFile: path.join(tmp, 'b.img'),
    });
    expect(await writeEnvi(path.join(tmp, 'c.img'), cube)).toEqual({
      headerFile: path.join(tmp, 'c.hdr'),
      dataFile: path.join(tmp, 'c.img'),
    });
    for (const name of ['a.img', 'b.img.hdr', 'c.hdr'])
      expectSameValues(allOf(await readEnvi(path.join(tmp, name))), allOf(cube));
  });

  it('rejects per-band lists of the wrong length and writes nothing', async () => {
    const cube = await readEnviWindow(fixture('real/jasperRidge2_R198.hdr'), {
      row: 0,
      col: 0,
      rows: 2,
      cols: 2,
      bands: [0, 1],
    });
    await expect(
      writeEnvi(path.join(tmp, 'bad.img'), { ...cube, wavelengths: [1] }),
    ).rejects.toThrow(/wavelengths/);
    await expect(fs.stat(path.join(tmp, 'bad.img'))).rejects.toThrow();
  });
});

describe('ENVI bad input gives typed errors naming the file and field', () => {
  it('truncated data file', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'trunc-'));
    const bytes = await fs.readFile(fixture('real/jasperRidge2_R198.img'));
    await fs.writeFile(path.join(dir, 'j.img'), bytes.subarray(0, bytes.length - 1000));
    await fs.copyFile(fixture('real/jasperRidge2_R198.hdr'), path.join(dir, 'j.hdr'));
    const err = await readEnvi(path.join(dir, 'j.hdr')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiTruncatedError);
    expect(err.file).toBe(path.join(dir, 'j.img'));
    expect(err.expectedBytes).toBe(3960000);
    expect(err.actualBytes).toBe(3959000);
    expect(err.message).toMatch(/j\.hdr says 100 lines x 100 samples x 198 bands of int16/);
  });

  it('a header whose size disagrees with the file (too many lines, or too few)', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'lie-'));
    const text = await fs.readFile(fixture('real/samson_1.img.hdr'), 'latin1');
    await fs.copyFile(fixture('real/samson_1.img'), path.join(dir, 's.img'));
    await fs.writeFile(path.join(dir, 's.img.hdr'), text.replace('lines   = 95', 'lines   = 96'));
    await expect(readEnvi(path.join(dir, 's.img'))).rejects.toBeInstanceOf(HsiTruncatedError);
    await fs.writeFile(path.join(dir, 's.img.hdr'), text.replace('lines   = 95', 'lines   = 94'));
    const err = await readEnvi(path.join(dir, 's.img')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.message).toMatch(/disagrees/);
    const lenient = await readEnvi(path.join(dir, 's.img'), { allowExtraBytes: true });
    expect(lenient.rows).toBe(94);
  });

  it('unknown data type, missing field, bad interleave, not an ENVI header', () => {
    const base = 'ENVI\nsamples = 2\nlines = 2\nbands = 1\ninterleave = bsq\n';
    expect(() => parseEnviHeader(`${base}data type = 6\n`, 'x.hdr')).toThrow(HsiFormatError);
    expect(() => parseEnviHeader(`${base}data type = 6\n`, 'x.hdr')).toThrow(
      /x\.hdr: data type: unknown or unsupported ENVI data type 6/,
    );
    expect(() => parseEnviHeader('ENVI\nlines = 2\nbands = 1\ndata type = 4\n', 'y.hdr')).toThrow(
      /y\.hdr: samples: required/,
    );
    expect(() => parseEnviHeader(`${base.replace('bsq', 'bxx')}data type = 4\n`, 'z.hdr')).toThrow(
      /interleave/,
    );
    expect(() => parseEnviHeader('samples = 2\n', 'w.hdr')).toThrow(
      /must start with the word ENVI/,
    );
    expect(() => parseEnviHeader(`${base}data type = 4\nwavelength = {1, 2,\n`, 'v.hdr')).toThrow(
      /wavelength: a "\{" list is never closed/,
    );
  });

  it('headers with comments, CRLF, braces over lines, keys in any case and order, defaults', () => {
    const h = parseEnviHeader(
      'ENVI\r\n; a comment\r\nDATA TYPE = 12\r\nbands=3\r\ndescription = {\r\n two, lines\r\n}\r\nLines = 4\r\n samples = 5\r\nwavelength = {1,\r\n2, 3}\r\n',
      'h.hdr',
    );
    expect(h).toMatchObject({
      samples: 5,
      lines: 4,
      bands: 3,
      dataType: 12,
      sampleType: 'uint16',
      interleave: 'bsq',
      byteOrder: 0,
      headerOffset: 0,
    });
    expect(h.fields.description.trim()).toBe('two, lines');
  });

  it('NaN / Inf in float data: error with position, or filled on request', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'nan-'));
    const bytes = new Uint8Array(await fs.readFile(fixture('real/cubus_gamsberg_subset')));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // BSQ 25 x 10 x 189: sample (row 3, col 4, band 7) and (row 0, col 0, band 100).
    view.setFloat32(((7 * 25 + 3) * 10 + 4) * 4, Number.NaN, true);
    view.setFloat32(100 * 25 * 10 * 4, Number.POSITIVE_INFINITY, true);
    await fs.writeFile(path.join(dir, 'g'), bytes);
    await fs.copyFile(fixture('real/cubus_gamsberg_subset.hdr'), path.join(dir, 'g.hdr'));
    const err = await readEnvi(path.join(dir, 'g')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiDataValueError);
    expect(err.file).toBe(path.join(dir, 'g'));
    expect(err.nonFiniteCount).toBe(2);
    expect(err.firstNonFinite).toEqual({ row: 3, col: 4, band: 7 });
    const filled = await readEnvi(path.join(dir, 'g'), { nonFinite: { fill: -1 } });
    expect(filled.data[sampleIndex(filled, 3, 4, 7)]).toBe(-1);
    expect(filled.data[sampleIndex(filled, 0, 0, 100)]).toBe(-1);
    const kept = await readEnvi(path.join(dir, 'g'), { nonFinite: 'keep' });
    expect(Number.isNaN(kept.data[sampleIndex(kept, 3, 4, 7)])).toBe(true);
  });

  it('missing header or data file', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'missing-'));
    await fs.copyFile(fixture('real/samson_1.img'), path.join(dir, 'only.img'));
    await expect(readEnvi(path.join(dir, 'only.img'))).rejects.toMatchObject({
      name: 'HsiFormatError',
      field: 'header',
    });
    await fs.copyFile(fixture('real/samson_1.img.hdr'), path.join(dir, 'lonely.hdr'));
    await expect(readEnvi(path.join(dir, 'lonely.hdr'))).rejects.toMatchObject({
      name: 'HsiFormatError',
      field: 'data file',
    });
  });
});
