// HDF5 / NetCDF-4 cubes against what GDAL (libnetcdf) and h5py read from the same files
// (scripts/make_hdf5_fixtures.py: crops of the real Jasper Ridge cube in the EMIT L2A and PRISMA
// L2D layouts, and CF-packed int16): the dataset and band axis found from the file, values, wavelengths, no-data,
// windows reading the same numbers, and typed errors naming the file and what to pass.
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/io-fixtures.js';
import { sampleIndex } from '../cube.js';
import { HsiFormatError, HsiTruncatedError } from '../errors.js';
import { cubeInfo, readCube, readCubeWindow, writeCube } from '../node/cube-files.js';
import { hdf5Info, listHdf5Cubes, readHdf5, readHdf5Window } from '../node/hdf5-files.js';
import { listMatVariables } from '../node/mat-files.js';
import { bytesSource } from './byte-source.js';
import {
  cubeFormatOf,
  cubeInfoFrom,
  readCubeFrom,
  readCubeWindowFrom,
  readWholeToTile,
} from './cube-io.js';
import { listHdf5CubesFrom } from './hdf5.js';

const dir = fileURLToPath(new URL('../../fixtures/io/hdf5/', import.meta.url));
const at = (f: string) => path.join(dir, f);
const ref = JSON.parse(readFileSync(at('reference.json'), 'utf8'));
const tmpDir = useTempDir('hsi-hdf5-');
const fixtureMat = fileURLToPath(
  new URL('../../fixtures/real/subimage_Urban_R162.mat', import.meta.url),
);

type Sample = [number, number, number, number];
function expectSamples(
  cube: Awaited<ReturnType<typeof readCube>>,
  samples: Sample[],
  offset = { row: 0, col: 0 },
) {
  for (const [r, c, b, v] of samples) {
    const got = cube.data[sampleIndex(cube, r - offset.row, c - offset.col, b)];
    expect(Math.abs(Number(got) - v), `${r},${c},${b}`).toBeLessThanOrEqual(Math.abs(v) * 1e-7);
  }
}

describe('HDF5 / NetCDF-4 cubes', () => {
  it('picks the format from .h5 .hdf5 .he5 .nc .nc4', () => {
    for (const f of ['a.h5', 'a.HDF5', 'a.he5', 'a.nc', 'a.nc4'])
      expect(cubeFormatOf(f)).toBe('hdf5');
  });

  it('EMIT L2A layout (NetCDF-4 by libnetcdf): reflectance, bands by dimension name, wavelengths, _FillValue', async () => {
    const e = ref.emit;
    const info = await cubeInfo(at(e.file));
    expect(info).toMatchObject({
      format: 'hdf5',
      rows: e.rows,
      cols: e.cols,
      bands: e.bands,
      sampleType: 'float32',
      interleave: 'bip',
      dataset: '/reflectance',
      bandAxis: 2,
      bandAxisFrom: 'dimension name',
      wavelengthUnits: 'nanometers',
    });
    expect(info.wavelengths).toEqual(e.wavelengths);
    const cube = await readCube(at(e.file));
    expect([cube.rows, cube.cols, cube.bands]).toEqual([e.rows, e.cols, e.bands]);
    expect(cube.data).toBeInstanceOf(Float32Array);
    expect(cube.noDataValue).toBe(-9999);
    expect(cube.wavelengths).toEqual(e.wavelengths);
    expect(cube.fwhm).toEqual(e.fwhm);
    expectSamples(cube, e.samples);
    let sum = 0;
    for (const v of cube.data) sum += v;
    expect(sum).toBeCloseTo(e.sum, 2);
    // A window reads the same numbers (and a band subset, in its order).
    const win = { row: 2, col: 3, rows: 9, cols: 7, bands: [11, 0, 5] };
    const part = await readCubeWindow(at(e.file), win);
    expect([part.rows, part.cols, part.bands]).toEqual([9, 7, 3]);
    expect(part.wavelengths).toEqual([e.wavelengths[11], e.wavelengths[0], e.wavelengths[5]]);
    for (let r = 0; r < 9; r++)
      for (let c = 0; c < 7; c++)
        for (const [k, b] of win.bands.entries())
          expect(part.data[sampleIndex(part, r, c, k)]).toBe(
            cube.data[sampleIndex(cube, r + 2, c + 3, b)],
          );
  });

  it('PRISMA L2D layout (HDF-EOS5): two cubes, so the dataset is asked for; bands (rows x bands x cols) from List_Cw_*', async () => {
    const p = ref.prisma;
    const file = at(p.file);
    const err = await readCube(file).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.field).toBe('dataset');
    expect(err.message).toContain(file);
    for (const c of p.candidates) expect(err.message).toContain(c);
    // Listed, by path and from bytes alike.
    const listed = await listHdf5Cubes(file);
    expect(listed.map((c) => c.path).sort()).toEqual([...p.candidates].sort());
    expect(listed.find((c) => c.path.endsWith('VNIR_Cube'))).toMatchObject({
      shape: [14, 6, 18],
      sampleType: 'uint16',
    });
    const fromBytes = await listHdf5CubesFrom(
      bytesSource(new Uint8Array(await fs.readFile(file)), p.file),
    );
    expect(fromBytes).toEqual(listed);
    for (const part of [p.vnir, p.swir]) {
      const info = await hdf5Info(file, { dataset: part.dataset });
      expect(info).toMatchObject({
        rows: part.rows,
        cols: part.cols,
        bands: part.bands,
        sampleType: 'uint16',
        interleave: 'bil',
        bandAxis: 1,
        bandAxisFrom: 'wavelengths',
      });
      const cube = await readHdf5(file, { dataset: part.dataset });
      expect(cube.data).toBeInstanceOf(Uint16Array);
      expect(cube.wavelengths?.map((w) => Math.fround(w))).toEqual(
        part.wavelengths.map((w: number) => Math.fround(w)),
      );
      expect(cube.fwhm).toEqual(part.fwhm);
      expectSamples(cube, part.samples);
      // The gzip-chunked dataset read by window, through the bytes reader too.
      const win = { row: 5, col: 4, rows: 6, cols: 10 };
      const bytes = new Uint8Array(await fs.readFile(file));
      const fromBytes = await readCubeWindowFrom(bytesSource(bytes, p.file), win, {
        dataset: part.dataset,
      });
      const fromPath = await readHdf5Window(file, win, { dataset: part.dataset });
      expect(Array.from(fromBytes.data)).toEqual(Array.from(fromPath.data));
      expectSamples(
        fromPath,
        part.samples.filter(([r, c]: Sample) => r >= 5 && r < 11 && c >= 4 && c < 14),
        { row: 5, col: 4 },
      );
    }
    // A dataset that is not there, or not a cube, names the ones that are.
    await expect(
      readHdf5(file, { dataset: '/HDFEOS/SWATHS/PRS_L2D_HCO/Geolocation Fields/Latitude' }),
    ).rejects.toThrow(
      /is not a 3-D numeric dataset of this file; its 3-D datasets: .*SWIR_Cube \(14 x 9 x 18 uint16\)/,
    );
  });

  it('no names, no wavelengths: the far shorter axis is the bands; else bandAxis must be given', async () => {
    const q = ref.plain;
    const info = await cubeInfo(at(q.file));
    expect(info).toMatchObject({ bandAxis: 0, bandAxisFrom: 'shortest axis', interleave: 'bsq' });
    const cube = await readCube(at(q.file));
    expectSamples(cube, q.samples);
    const bytes = new Uint8Array(await fs.readFile(at(q.file)));
    const again = await readCubeFrom(bytesSource(bytes, q.file));
    expect(Array.from(again.data)).toEqual(Array.from(cube.data));
    expect((await cubeInfoFrom(bytesSource(bytes, q.file))).bands).toBe(8);

    const amb = at('ambiguous.h5');
    const err = await cubeInfo(amb).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.field).toBe('bandAxis');
    expect(err.message).toMatch(
      /ambiguous\.h5: bandAxis: cannot tell which axis of \/x \(10 x 12 x 9\)/,
    );
    // Told: the last axis (h5py wrote rows x cols x bands), read as BIP.
    const told = await readCube(amb, { bandAxis: 2 });
    expect([told.rows, told.cols, told.bands, told.interleave]).toEqual([10, 12, 9, 'bip']);
    await expect(readCube(amb, { bandAxis: 3 })).rejects.toThrow(/bandAxis: must be 0, 1 or 2/);
  });

  it('CF-packed NetCDF-4 (int16 x scale_factor): samples as stored, the packing kept; an ENVI copy says it', async () => {
    const q = ref.cf;
    const info = await cubeInfo(at(q.file));
    expect(info).toMatchObject({
      rows: q.rows,
      cols: q.cols,
      bands: q.bands,
      sampleType: 'int16',
      interleave: 'bsq',
      bandAxis: 0,
      bandAxisFrom: 'dimension name',
      wavelengthUnits: 'nm',
    });
    expect(info.wavelengths).toEqual(q.wavelengths);
    const cube = await readCube(at(q.file));
    expect(cube.data).toBeInstanceOf(Int16Array);
    expect(cube.noDataValue).toBe(q.noDataValue);
    expectSamples(cube, q.samples);
    // stored x 1e-4 = reflectance: ENVI's "reflectance scale factor" 10000 (stored / factor).
    expect(cube.scaleFactor).toBeCloseTo(1 / q.scaleFactor, 6);
    expect(Number(cube.metadata?.['cf scale_factor'])).toBeCloseTo(q.scaleFactor, 12);
    expect(Number(cube.metadata?.['cf add_offset'])).toBe(q.addOffset);
    const d = await tmpDir();
    const envi = path.join(d, 'cf.hdr');
    await writeCube(envi, cube);
    const back = await readCube(envi);
    expect(back.scaleFactor).toBeCloseTo(1 / q.scaleFactor, 6);
    expect(Array.from(back.data)).toEqual(Array.from(cube.data));
    expect(back.wavelengths).toEqual(q.wavelengths);
  });

  it('two cubes of one band count: each gets the wavelength list named like it (VNIR_Cube -> List_Cw_Vnir)', async () => {
    const d = await tmpDir();
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const file = path.join(d, 'same-count.he5');
    const f = new h5.File(file, 'w');
    const data = new Uint16Array(10 * 5 * 12).fill(7);
    for (const name of ['VNIR_Cube', 'SWIR_Cube'])
      f.create_dataset({ name, data, shape: [10, 5, 12], dtype: '<H' });
    f.create_attribute('List_Cw_Swir', new Float32Array([1000, 1200, 1400, 1600, 1800]));
    f.create_attribute('List_Cw_Vnir', new Float32Array([400, 500, 600, 700, 800]));
    f.close();
    const swir = await cubeInfo(file, { dataset: '/SWIR_Cube' });
    expect([swir.bandAxis, swir.bandAxisFrom]).toEqual([1, 'wavelengths']);
    expect(swir.wavelengths).toEqual([1000, 1200, 1400, 1600, 1800]);
    const vnir = await cubeInfo(file, { dataset: '/VNIR_Cube' });
    expect(vnir.wavelengths).toEqual([400, 500, 600, 700, 800]);
  });

  it('a band axis by an HDF5 dimension label with the word bands in it (PACE OCI: blue_bands)', async () => {
    const d = await tmpDir();
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const file = path.join(d, 'labels.h5');
    const f = new h5.File(file, 'w');
    const ds = f.create_dataset({
      name: 'rhot_blue',
      data: new Float32Array(6 * 10 * 12),
      shape: [6, 10, 12],
      dtype: '<f',
    });
    ds.set_dimension_label(0, 'blue_bands');
    ds.set_dimension_label(1, 'number_of_scans');
    ds.set_dimension_label(2, 'ccd_pixels');
    f.close();
    const info = await cubeInfo(file);
    expect(info).toMatchObject({ bandAxis: 0, bandAxisFrom: 'dimension name', bands: 6, rows: 10 });
  });

  it('reports its chunks; band-plane chunks make a whole read the way to tile it (readWholeToTile)', async () => {
    const d = await tmpDir();
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const data = Float32Array.from({ length: 64 * 48 * 4 }, (_, i) => i % 997);
    const file = path.join(d, 'chunks.h5');
    const f = new h5.File(file, 'w');
    for (const [name, chunks] of [
      ['planes', [64, 48, 1]],
      ['tiles', [16, 16, 4]],
    ] as const)
      f.create_dataset({
        name,
        data,
        shape: [64, 48, 4],
        dtype: '<f',
        chunks: [...chunks],
        compression: 'gzip',
      });
    f.create_dataset({ name: 'flat', data, shape: [64, 48, 4], dtype: '<f' });
    f.close();
    const info = (dataset: string) => cubeInfo(file, { dataset, bandAxis: 2 });
    const planes = await info('/planes');
    expect(planes.chunk).toEqual({ rows: 64, cols: 48, bands: 1 });
    expect(readWholeToTile(planes)).toBe(true);
    // Too big for one read: windows, however slow.
    expect(
      readWholeToTile({
        ...planes,
        rows: 2 ** 16,
        cols: 2 ** 14,
        chunk: { rows: 2 ** 16, cols: 2 ** 14, bands: 1 },
      }),
    ).toBe(false);
    const tiles = await info('/tiles');
    expect(tiles.chunk).toEqual({ rows: 16, cols: 16, bands: 4 });
    expect(readWholeToTile(tiles)).toBe(false);
    const flat = await info('/flat');
    expect(flat.chunk).toBeUndefined();
    expect(readWholeToTile(flat)).toBe(false);
    // The same samples whichever way they are stored.
    const a = await readCube(file, { dataset: '/planes', bandAxis: 2 });
    const b = await readCube(file, { dataset: '/tiles', bandAxis: 2 });
    expect(Array.from(a.data)).toEqual(Array.from(data));
    expect(Array.from(b.data)).toEqual(Array.from(data));
    expect(readWholeToTile(await cubeInfo(fixtureMat))).toBe(true);
    expect(readWholeToTile(await cubeInfo(at(ref.emit.file)))).toBe(false);
  });

  it('finds the cube once per file: windows reuse it, a rewritten file is looked at again', async () => {
    const d = await tmpDir();
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const file = path.join(d, 'cube.h5');
    const write = (bands: number, gain: number) => {
      const f = new h5.File(file, 'w');
      const data = new Float32Array(6 * 5 * bands).map((_, i) => gain * i);
      f.create_dataset({ name: 'radiance', data, shape: [6, 5, bands], dtype: '<f' });
      f.create_dataset({
        name: 'wavelength',
        data: new Float32Array(bands).map((_, i) => 400 + 10 * i),
        shape: [bands],
        dtype: '<f',
      });
      f.close();
    };
    write(4, 1);
    const win = { row: 2, col: 1, rows: 3, cols: 2 };
    const a = await readCubeWindow(file, win);
    expect(a).toMatchObject({ rows: 3, cols: 2, bands: 4, wavelengths: [400, 410, 420, 430] });
    expect(a.data[sampleIndex(a, 1, 1, 3)]).toBe(((2 + 1) * 5 + (1 + 1)) * 4 + 3);
    // The cube a read returns is the caller's: changing its wavelengths changes no later read.
    a.wavelengths?.fill(0);
    expect((await readCubeWindow(file, win)).wavelengths).toEqual([400, 410, 420, 430]);
    expect((await cubeInfo(file)).wavelengths).toEqual([400, 410, 420, 430]);
    // The same path rewritten with another band count and values: found again, not the old layout.
    write(7, 2);
    const b = await readCubeWindow(file, win);
    expect(b).toMatchObject({ bands: 7, wavelengths: [400, 410, 420, 430, 440, 450, 460] });
    expect(b.data[sampleIndex(b, 1, 1, 6)]).toBe(2 * (((2 + 1) * 5 + (1 + 1)) * 7 + 6));
    expect((await cubeInfo(file)).bands).toBe(7);
    // A selection is part of what was found: another band axis is another layout.
    expect((await cubeInfo(file, { bandAxis: 0 })).bands).toBe(6);
  });

  it('never opens another file: external links and virtual datasets are refused by name, never followed', async () => {
    const links = (f: string) => at(`links/${f}`);
    const h5 = await import('h5wasm/node');
    await h5.ready;
    // HDF5 itself follows both silently (these bytes come from links/source.h5).
    const raw = new h5.File(links('vds.h5'), 'r');
    const viaVds = Array.from(
      (raw.get('cube') as InstanceType<typeof h5.Dataset>).value as Float32Array,
    );
    raw.close();
    expect(viaVds.slice(0, 3).map((v) => Math.round(v * 100))).toEqual([1, 2, 3]);
    const source = await readCube(links('source.h5'), { bandAxis: 2 });
    expect(source.rows * source.cols * source.bands).toBe(viaVds.length);
    // hsi-data: the virtual dataset is no cube of vds.h5; asked for by name, the error says why.
    await expect(readCube(links('vds.h5'), { bandAxis: 2 })).rejects.toThrow(
      /vds\.h5: dataset: no 3-D numeric dataset/,
    );
    const vds = await readCube(links('vds.h5'), { dataset: 'cube', bandAxis: 2 }).catch((e) => e);
    expect(vds).toBeInstanceOf(HsiFormatError);
    expect(vds.message).toMatch(
      /vds\.h5: \/cube: a virtual dataset reading other files \(source\.h5\)/,
    );
    // A soft link to an external link: refused before anything in source.h5 is opened.
    await expect(readCube(links('soft_to_external.h5'), { bandAxis: 2 })).rejects.toThrow(
      /no 3-D numeric dataset in this HDF5 file \(external links to other files, never followed: \/ext -> source\.h5:\//,
    );
    await expect(
      readCubeWindow(
        links('soft_to_external.h5'),
        { row: 0, col: 0, rows: 2, cols: 2 },
        {
          dataset: '/cube',
          bandAxis: 2,
        },
      ),
    ).rejects.toThrow(/\/cube: an HDF5 external link to another file \(\/ext -> source\.h5:\/\)/);
    expect(await listHdf5Cubes(links('soft_to_external.h5'))).toEqual([]);
    // The same bytes through the in-memory reader (the browser's path): refused alike.
    const bytes = bytesSource(await fs.readFile(links('vds.h5')), 'vds.h5');
    await expect(readCubeFrom(bytes, { dataset: 'cube', bandAxis: 2 })).rejects.toThrow(
      /a virtual dataset reading other files/,
    );
    // Raw data kept in an external file (h5wasm says nothing of it): HDF5 would open it, or read
    // uninitialised samples without an error where it cannot; the file system refuses it and the
    // read fails naming the file, by path and over bytes alike.
    const efl = await readCube(links('efl.h5'), { bandAxis: 2 }).catch((e) => e);
    expect(efl).toBeInstanceOf(HsiFormatError);
    expect(efl.message).toMatch(/efl\.h5: HDF5: reading it opens other files \([^)]*efl_raw\.bin/);
    await expect(
      readCubeFrom(bytesSource(await fs.readFile(links('efl.h5')), 'efl.h5'), { bandAxis: 2 }),
    ).rejects.toThrow(/reading it opens other files \([^)]*efl_raw\.bin/);
    // The file's own data still reads after a refusal (the guard is lifted).
    expect((await readCube(links('source.h5'), { bandAxis: 2 })).data).toEqual(source.data);
    // MATLAB v7.3 is HDF5 too: an externally linked variable is listed, never decoded.
    const vars = await listMatVariables(links('external.mat'));
    expect(vars.find((v) => v.name === 'cube')).toMatchObject({ numeric: false });
    expect(vars.find((v) => v.name === 'cube')?.matClass).toMatch(
      /external link \/cube -> source\.h5/,
    );
    const local = await readCube(links('external.mat'));
    expect([local.rows, local.cols, local.bands]).toEqual([6, 5, 4]);
  });

  it('is read, not written; a truncated or foreign file is a typed error naming it', async () => {
    const d = await tmpDir();
    const cube = await readCube(at(ref.plain.file));
    await expect(writeCube(path.join(d, 'out.nc'), cube)).rejects.toThrow(
      /out\.nc: format: HDF5 \/ NetCDF-4 is read, not written/,
    );
    const whole = await fs.readFile(at(ref.emit.file));
    const cut = path.join(d, 'cut.nc');
    await fs.writeFile(cut, whole.subarray(0, 4000));
    await expect(readCube(cut)).rejects.toThrow(HsiTruncatedError);
    const text = path.join(d, 'text.h5');
    await fs.writeFile(text, 'not an HDF5 file at all\n'.repeat(40));
    const err = await readCube(text).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.message).toContain(text);
  });
});
