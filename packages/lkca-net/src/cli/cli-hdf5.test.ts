// HDF5 / NetCDF-4 inputs at the CLI (hsi-data's fixtures in the EMIT L2A and PRISMA L2D layouts,
// cut from the real Jasper Ridge cube): `lkca info` says which dataset and band axis it read, or
// lists the candidates; `lkca upscale` of the NetCDF file equals `lkca upscale` of the same cube
// written as ENVI, its wavelengths and no-data carried over.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropCube, readCube, toBipCube, writeCube } from '@hsrkit/hsi-data/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoScene } from '../demo-scene.js';
import { lkca } from './test-support.js';

const HDF5 = fileURLToPath(new URL('../../../hsi-data/fixtures/io/hdf5/', import.meta.url));

describe('lkca with HDF5 / NetCDF-4 inputs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lkca-hdf5-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lkca info: the dataset and how its band axis was found; two cubes: the list and --dataset', async () => {
    const emit = await lkca('info', join(HDF5, 'emit_like.nc'), '--json');
    expect(emit.code, emit.stderr).toBe(0);
    expect(emit.json).toMatchObject({
      format: 'hdf5',
      rows: 20,
      cols: 16,
      bands: 12,
      dataset: '/reflectance',
      bandAxis: 2,
      bandAxisFrom: 'dimension name',
      noData: -9999,
      wavelengthUnits: 'nanometers',
    });
    // The two filled pixels are not valid samples.
    expect(emit.json.invalidSamples).toBe(2 * 12);
    const prisma = join(HDF5, 'prisma_like.he5');
    // Two cubes: info lists them (the readers ask for --dataset).
    const two = await lkca('info', prisma, '--json');
    expect(two.code, two.stderr).toBe(0);
    expect(two.json.datasets.map((d: { path: string }) => d.path).sort()).toEqual([
      '/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/SWIR_Cube',
      '/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/VNIR_Cube',
    ]);
    const text = await lkca('info', prisma);
    expect(text.stdout).toMatch(/holds 2 3-D datasets; describe one with --dataset PATH/);
    expect(text.stdout).toMatch(/VNIR_Cube +14 x 6 x 18 +uint16/);
    const up = await lkca(
      'upscale',
      prisma,
      '--model',
      'lkca-any-band-x4',
      '-o',
      join(dir, 'p.hdr'),
    );
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/HsiFormatError: .*prisma_like\.he5: dataset: 2 3-D datasets/);
    const vnir = await lkca(
      'info',
      prisma,
      '--dataset',
      '/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/VNIR_Cube',
      '--json',
    );
    expect(vnir.code, vnir.stderr).toBe(0);
    expect(vnir.json).toMatchObject({
      bands: 6,
      interleave: 'bil',
      bandAxisFrom: 'wavelengths',
      chunk: { rows: 7, cols: 9, bands: 6 },
    });
    expect(emit.json.chunk).toBeNull();
    // degrade and preview take the same selection.
    const swir = '/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/SWIR_Cube';
    const lr = join(dir, 'swir-lr.hdr');
    const d = await lkca('degrade', prisma, '--dataset', swir, '--scale', '2', '-o', lr);
    expect(d.code, d.stderr).toBe(0);
    const lrCube = await readCube(lr);
    expect([lrCube.rows, lrCube.cols, lrCube.bands]).toEqual([7, 9, 9]);
    expect(lrCube.wavelengths?.[0]).toBeCloseTo(940, 3);
    const png = join(dir, 'swir.png');
    const p = await lkca('preview', prisma, '--dataset', swir, '-o', png, '--bands', '0,4,8');
    expect(p.code, p.stderr).toBe(0);
    const bad = await lkca('info', prisma, '--band-axis', '3');
    expect(bad.stderr).toMatch(/--band-axis must be 0, 1 or 2/);
  });

  it('lkca upscale of the NetCDF-4 file: what the same cube gives from ENVI, wavelengths and no-data kept', async () => {
    const nc = join(HDF5, 'emit_like.nc');
    const asEnvi = join(dir, 'emit.hdr');
    await writeCube(asEnvi, await readCube(nc));
    const args = ['--model', 'lkca-any-band-x4', '--backend', 'wasm', '--workers', '1'];
    const a = await lkca('upscale', nc, '-o', join(dir, 'from-nc.hdr'), ...args);
    expect(a.code, a.stderr).toBe(0);
    const b = await lkca('upscale', asEnvi, '-o', join(dir, 'from-envi.hdr'), ...args);
    expect(b.code, b.stderr).toBe(0);
    const [x, y] = [
      await readCube(join(dir, 'from-nc.hdr')),
      await readCube(join(dir, 'from-envi.hdr')),
    ];
    expect([x.rows, x.cols, x.bands]).toEqual([80, 64, 12]);
    expect(Array.from(toBipCube(x).data)).toEqual(Array.from(toBipCube(y).data));
    expect(x.wavelengths).toEqual((await readCube(nc)).wavelengths);
    expect(x.noDataValue).toBe(-9999);
    // The filled LR pixel (3, 4) is no-data in all its 4 x 4 HR pixels.
    const hr = toBipCube(x);
    expect(hr.data[((3 * 4 + 2) * 64 + 4 * 4 + 1) * 12 + 5]).toBe(-9999);
    // HDF5 is read, never written: the output must be another format.
    const w = await lkca('upscale', nc, '-o', join(dir, 'out.nc'), ...args);
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/out\.nc: format: HDF5 \/ NetCDF-4 is read, not written/);
    // Refused before any work: no output, no partial file.
    expect(
      (await readdir(dir)).filter((f) => f.startsWith('out') || f.includes('partial')),
    ).toEqual([]);
  }, 120_000);

  it('lkca train on an HDF5 file of two cubes: --dataset and --band-axis pick one, as for upscale', async () => {
    // A real 48 x 48 x 31 crop of the demo scene, written by h5wasm as bands x rows x cols, beside
    // a second cube: no dimension names, no wavelengths, no axis far shorter than the others.
    const crop = toBipCube(
      cropCube('c', await readDemoScene(), { row: 100, col: 100, rows: 48, cols: 48 }),
    );
    const bsq = new Float32Array(crop.data.length);
    for (let p = 0; p < 48 * 48; p++)
      for (let b = 0; b < 31; b++) bsq[b * 48 * 48 + p] = crop.data[p * 31 + b];
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const file = join(dir, 'scene.h5');
    const f = new h5.File(file, 'w');
    f.create_dataset({ name: 'cube', data: bsq, shape: [31, 48, 48], dtype: '<f' });
    f.create_dataset({
      name: 'mask',
      data: new Float32Array(2 * 48 * 48),
      shape: [2, 48, 48],
      dtype: '<f',
    });
    f.close();
    const args = ['--scale', '4', '--steps', '2', '--backend', 'wasm'];
    const which = await lkca('train', '--data', file, '-o', join(dir, 'm0'), ...args);
    expect(which.code).not.toBe(0);
    expect(which.stderr).toMatch(/scene\.h5: dataset: 2 3-D datasets/);
    const axis = await lkca(
      'train',
      '--data',
      file,
      '--dataset',
      '/cube',
      '-o',
      join(dir, 'm1'),
      ...args,
    );
    expect(axis.stderr).toMatch(/bandAxis: cannot tell which axis of \/cube \(31 x 48 x 48\)/);
    const ok = await lkca(
      'train',
      '--data',
      file,
      '--dataset',
      '/cube',
      '--band-axis',
      '0',
      '-o',
      join(dir, 'm2'),
      ...args,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const sr = join(dir, 'sr.hdr');
    const lr = join(dir, 'lr.hdr');
    await writeCube(lr, cropCube('lr', crop, { row: 0, col: 0, rows: 12, cols: 12 }));
    const up = await lkca('upscale', lr, '--model', join(dir, 'm2'), '-o', sr, '--workers', '1');
    expect(up.code, up.stderr).toBe(0);
    expect((await readCube(sr)).bands).toBe(31);
  }, 180_000);

  it('lkca upscale of an HDF5 cube stored in band planes (read once, not per tile) equals its ENVI copy', async () => {
    const crop = toBipCube(
      cropCube('c', await readDemoScene(), { row: 60, col: 80, rows: 40, cols: 36 }),
    );
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const file = join(dir, 'planes.h5');
    const f = new h5.File(file, 'w');
    f.create_dataset({
      name: 'cube',
      data: crop.data,
      shape: [40, 36, 31],
      dtype: '<f',
      chunks: [40, 36, 1],
      compression: 'gzip',
    });
    f.close();
    // 40 x 36 x 31: no axis far shorter than the others, so the band axis is given.
    const info = await lkca('info', file, '--band-axis', '2', '--json');
    expect(info.json).toMatchObject({
      bandAxisFrom: 'option',
      chunk: { rows: 40, cols: 36, bands: 1 },
    });
    const envi = join(dir, 'planes-copy.hdr');
    await writeCube(envi, crop);
    // Small tiles, so the file path runs many windows over the one whole read.
    const args = ['--model', 'lkca-any-band-x4', '--workers', '1', '--tile', '16'];
    const a = await lkca(
      'upscale',
      file,
      '--band-axis',
      '2',
      '-o',
      join(dir, 'planes-sr.hdr'),
      '--band-axis',
      '2',
      ...args,
    );
    expect(a.code, a.stderr).toBe(0);
    const b = await lkca('upscale', envi, '-o', join(dir, 'planes-copy-sr.hdr'), ...args);
    expect(b.code, b.stderr).toBe(0);
    const [x, y] = [
      await readCube(join(dir, 'planes-sr.hdr')),
      await readCube(join(dir, 'planes-copy-sr.hdr')),
    ];
    expect([x.rows, x.cols, x.bands]).toEqual([160, 144, 31]);
    expect(Array.from(toBipCube(x).data)).toEqual(Array.from(toBipCube(y).data));
  }, 180_000);
});
