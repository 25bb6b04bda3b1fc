import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectMatchesReference,
  expectSameValues,
  fixture,
  fixtureSource,
  realCrop,
  reference,
  referenceEntries,
  useTempDir,
  valuesOf,
} from '../../test/io-fixtures.js';
import { type Interleave, sampleIndex } from '../cube.js';
import { HsiDataValueError, HsiFormatError, HsiTruncatedError, HsiValueError } from '../errors.js';
import { enviInfo, readEnvi, readEnviWindow, writeEnvi } from '../node/envi-files.js';
import { sampleTypeOf } from './dtypes.js';
import { encodeEnvi, enviInfoFrom, readEnviFrom, readEnviWindowFrom } from './envi.js';
import { parseEnviHeader } from './envi-header.js';

const tmpDir = useTempDir('hsi-envi-');

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
  const variants = referenceEntries('envi/');
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
        expectSameValues(valuesOf(part), valuesOf(full, { ...win, bands: chosen }));
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
    expect(err).toBeInstanceOf(HsiValueError);
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
    const samson = await realCrop('real/samson_1.img', [10, 20, 7, 6]);
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
      const file = path.join(tmpDir(), `rt_${sampleType}`);
      const written = await writeEnvi(file, shifted, { interleave, sampleType, byteOrder });
      expect(written).toEqual({ headerFile: `${file}.hdr`, dataFile: file });
      const back = await readEnvi(file);
      expect(back.interleave).toBe(interleave);
      expect(sampleTypeOf(back.data)).toBe(
        sampleType.endsWith('64') && sampleType !== 'float64' ? 'float64' : sampleType,
      );
      expectSameValues(valuesOf(back), valuesOf(shifted));
      expect(back.wavelengths).toEqual(samson.wavelengths);
      expect(back.mapInfo).toBe(samson.mapInfo);
    }
    expect(
      (await fs.readdir(tmpDir())).filter((f) => f.endsWith('.tmp') || f.endsWith('.partial')),
    ).toEqual([]);
  });

  it('names the files from either name: x.hdr -> x.img, x.img.hdr -> x.img, x.img -> x.hdr', async () => {
    const cube = await realCrop('real/jasperRidge2_R198.hdr', [0, 0, 3, 4]);
    expect(await writeEnvi(path.join(tmpDir(), 'a.hdr'), cube)).toEqual({
      headerFile: path.join(tmpDir(), 'a.hdr'),
      dataFile: path.join(tmpDir(), 'a.img'),
    });
    expect(await writeEnvi(path.join(tmpDir(), 'b.img.hdr'), cube)).toEqual({
      headerFile: path.join(tmpDir(), 'b.img.hdr'),
      dataFile: path.join(tmpDir(), 'b.img'),
    });
    expect(await writeEnvi(path.join(tmpDir(), 'c.img'), cube)).toEqual({
      headerFile: path.join(tmpDir(), 'c.hdr'),
      dataFile: path.join(tmpDir(), 'c.img'),
    });
    for (const name of ['a.img', 'b.img.hdr', 'c.hdr'])
      expectSameValues(valuesOf(await readEnvi(path.join(tmpDir(), name))), valuesOf(cube));
  });

  it('rejects per-band lists of the wrong length and writes nothing', async () => {
    const cube = await realCrop('real/jasperRidge2_R198.hdr', [0, 0, 2, 2], [0, 1]);
    await expect(
      writeEnvi(path.join(tmpDir(), 'bad.img'), { ...cube, wavelengths: [1] }),
    ).rejects.toThrow(/wavelengths/);
    await expect(fs.stat(path.join(tmpDir(), 'bad.img'))).rejects.toThrow();
  });
});

describe('ENVI bad input gives typed errors naming the file and field', () => {
  it('truncated data file', async () => {
    const dir = await fs.mkdtemp(path.join(tmpDir(), 'trunc-'));
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
    const dir = await fs.mkdtemp(path.join(tmpDir(), 'lie-'));
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
    const dir = await fs.mkdtemp(path.join(tmpDir(), 'nan-'));
    const bytes = new Uint8Array(await fs.readFile(fixture('real/cubus_gamsberg_subset')));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // BSQ 25 x 10 x 189: sample (row 3, col 4, band 7) and (row 0, col 0, band 100).
    view.setFloat32(((7 * 25 + 3) * 10 + 4) * 4, Number.NaN, true);
    view.setFloat32(100 * 25 * 10 * 4, Number.POSITIVE_INFINITY, true);
    await fs.writeFile(path.join(dir, 'g'), bytes);
    await fs.copyFile(fixture('real/cubus_gamsberg_subset.hdr'), path.join(dir, 'g.hdr'));
    const err = await readEnvi(path.join(dir, 'g')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiValueError);
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
    const dir = await fs.mkdtemp(path.join(tmpDir(), 'missing-'));
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

describe('ENVI over bytes (the browser entry): Blob and in-memory sources', () => {
  const cases: [string, string, string][] = [
    ['Jasper BIL int16', 'real/jasperRidge2_R198.hdr', 'real/jasperRidge2_R198.img'],
    ['float32 BSQ with a header offset', 'io/envi/t4_bsq_le.hdr', 'io/envi/t4_bsq_le.raw'],
    ['float64 BIP big-endian', 'io/envi/t5_bip_be.hdr', 'io/envi/t5_bip_be.raw'],
  ];
  for (const kind of ['blob', 'bytes'] as const)
    for (const [title, hdr, img] of cases)
      it(`${kind}: ${title} reads what the file reads, whole, windowed and info`, async () => {
        const sources = {
          header: await fixtureSource(hdr, kind),
          data: await fixtureSource(img, kind),
        };
        const fromFile = await readEnvi(fixture(hdr));
        const fromBytes = await readEnviFrom(sources);
        expect(fromBytes.interleave).toBe(fromFile.interleave);
        expectSameValues(fromBytes.data, fromFile.data);
        expect(fromBytes.wavelengths).toEqual(fromFile.wavelengths);
        const win = { row: 1, col: 1, rows: 3, cols: 2, bands: [fromFile.bands - 1, 0] };
        expectSameValues(valuesOf(await readEnviWindowFrom(sources, win)), valuesOf(fromFile, win));
        expect(await enviInfoFrom(sources)).toMatchObject({
          file: path.basename(hdr),
          dataFile: path.basename(img),
          rows: fromFile.rows,
          cols: fromFile.cols,
          bands: fromFile.bands,
        });
      });

  it('a truncated data Blob is a HsiTruncatedError naming it', async () => {
    const bytes = await fs.readFile(fixture('real/samson_1.img'));
    const err = await readEnviFrom({
      header: await fixtureSource('real/samson_1.img.hdr', 'blob'),
      data: new File([bytes.subarray(0, 1000)], 'samson_1.img'),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(HsiTruncatedError);
    expect(err).toMatchObject({ file: 'samson_1.img', actualBytes: 1000 });
  });

  it('encodeEnvi round-trips in memory; map info is braced once, even when given with braces', async () => {
    const cube = await realCrop('real/samson_1.img', [0, 0, 3, 2], [0, 7]);
    const braced = { ...cube, mapInfo: `{${cube.mapInfo}}`, metadata: {} };
    const { header, data } = encodeEnvi(braced, { interleave: 'bil', byteOrder: 1 });
    const text = new TextDecoder().decode(header);
    expect(text).toContain(`\nmap info = {${cube.mapInfo}}\n`);
    expect(text).not.toMatch(/\{\{|\}\}/);
    const back = await readEnviFrom({
      header: new Blob([header as Uint8Array<ArrayBuffer>]),
      data: data,
    });
    expect(back.mapInfo).toBe(cube.mapInfo);
    expect(back.interleave).toBe('bil');
    expectSameValues(valuesOf(back), valuesOf(cube));
  });

  it('HsiDataValueError is HsiValueError (deprecated alias): old catch blocks still match', async () => {
    const err = await readEnviWindow(fixture('real/samson_1.img'), {
      row: 0,
      col: 0,
      rows: 1,
      cols: 1,
      bands: [156],
    }).catch((e) => e);
    expect(HsiDataValueError).toBe(HsiValueError);
    expect(err).toBeInstanceOf(HsiDataValueError);
    expect(err.name).toBe('HsiValueError');
    expect(err.message).toMatch(/samson_1\.img: window\.bands: band 156 is not in 0\.\.155/);
  });
});
