import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PlaygroundInputError } from './errors.js';
import { openCube, pickCubeFile } from './open-cube.js';

const sample = (name: string) =>
  fileURLToPath(new URL(`../public/sample/${name}`, import.meta.url));

describe('pickCubeFile', () => {
  it('takes an ENVI header when its data file is picked with it, in any order', () => {
    expect(pickCubeFile(['scene.img', 'scene.hdr'])).toEqual({
      header: 'scene.hdr',
      data: 'scene.img',
    });
    expect(pickCubeFile(['scene.hdr', 'scene'])).toEqual({ header: 'scene.hdr', data: 'scene' });
    expect(pickCubeFile(['scene.img.hdr', 'scene.img'])).toEqual({
      header: 'scene.img.hdr',
      data: 'scene.img',
    });
    expect(pickCubeFile(['a.HDR', 'a.BSQ'])).toEqual({ header: 'a.HDR', data: 'a.BSQ' });
  });

  it('takes a single .mat, .tif, .tiff, .npy or HDF5 / NetCDF-4 file', () => {
    for (const f of ['x.mat', 'x.tif', 'x.TIFF', 'x.npy', 'x.h5', 'x.he5', 'x.nc', 'x.NC4'])
      expect(pickCubeFile([f])).toEqual({ file: f });
  });

  it('says what is missing or wrong', () => {
    const cases: [string[], RegExp][] = [
      [[], /no file chosen/],
      [
        ['scene.hdr'],
        /scene\.hdr is an ENVI header without its data file: choose both together \(e\.g\. scene\.hdr and scene\.img\)/,
      ],
      [['scene.hdr', 'other.img'], /without its data file/],
      [['scene.img'], /ENVI data without its header: choose the \.hdr file too/],
      [['a.mat', 'b.npy'], /choose one cube at a time \(got a\.mat, b\.npy\)/],
      [['notes.txt'], /notes\.txt: not a cube format/],
    ];
    for (const [names, message] of cases) {
      expect(() => pickCubeFile(names)).toThrow(PlaygroundInputError);
      expect(() => pickCubeFile(names)).toThrow(message);
    }
  });
});

describe('openCube reads the picked Blobs with the browser entry of hsi-data', () => {
  const picked = async (...names: string[]) =>
    Promise.all(
      names.map(async (name) => ({ name, blob: new Blob([await readFile(sample(name))]) })),
    );

  it('the embedded sample: ENVI pair (LR) and MATLAB v5 (HR), as BIP float32 with metadata', async () => {
    const lr = await openCube(await picked('balloons-lr-x4.img', 'balloons-lr-x4.hdr'));
    expect(lr).toMatchObject({ name: 'balloons-lr-x4.hdr', format: 'ENVI', sampleType: 'float32' });
    expect([lr.cube.rows, lr.cube.cols, lr.cube.bands, lr.cube.interleave]).toEqual([
      32,
      32,
      31,
      'bip',
    ]);
    expect(lr.cube.data).toBeInstanceOf(Float32Array);
    expect(lr.cube.wavelengths).toHaveLength(31);
    const hr = await openCube(await picked('balloons-hr.mat'));
    expect(hr).toMatchObject({ format: 'MAT', interleave: 'bsq' });
    expect([hr.cube.rows, hr.cube.cols, hr.cube.bands, hr.cube.interleave]).toEqual([
      128,
      128,
      31,
      'bip',
    ]);
  });

  it("what the reader refuses comes with hsi-data's typed error naming the picked file", async () => {
    const [hdr] = await picked('balloons-lr-x4.hdr');
    const cut = { name: 'balloons-lr-x4.img', blob: new Blob([new Uint8Array(100)]) };
    await expect(openCube([hdr, cut])).rejects.toMatchObject({
      name: 'HsiTruncatedError',
      file: 'balloons-lr-x4.img',
    });
  });
});

describe('what openCube says about the file', () => {
  const cube = {
    rows: 4,
    cols: 3,
    bands: 2,
    interleave: 'bip' as const,
    data: Float32Array.from({ length: 24 }, (_, i) => i),
  };

  it('the interleave as stored: a band-interleaved GeoTIFF is BSQ, a pixel-interleaved one BIP', async () => {
    const { encodeCube } = await import('@hsrkit/hsi-data');
    for (const interleave of ['bsq', 'bip'] as const) {
      const [file] = encodeCube('x.tif', cube, { interleave });
      const opened = await openCube([{ name: 'x.tif', blob: new Blob(file.parts) }]);
      expect(opened.interleave).toBe(interleave);
      expect(Array.from(opened.cube.data)).toEqual(Array.from(cube.data));
    }
  });

  it('names the MAT variable read, lists the 3-D ones, and reads the one asked for', async () => {
    const { encodeMat } = await import('@hsrkit/hsi-data');
    const small = { ...cube, rows: 2, data: cube.data.slice(0, 12) };
    const bytes = [
      ...encodeMat(cube, { variable: 'big' }),
      ...encodeMat(small, { variable: 'small' }).slice(1),
    ];
    const files = [{ name: 'two.mat', blob: new Blob(bytes) }];
    const opened = await openCube(files);
    expect(opened.variable).toBe('big');
    expect(opened.variables?.map((v) => v.name).sort()).toEqual(['big', 'small']);
    const other = await openCube(files, { variable: 'small' });
    expect([other.variable, other.cube.rows]).toEqual(['small', 2]);
    await expect(openCube(files, { variable: 'nope' })).rejects.toThrow(
      /two\.mat has no variable nope \(it has big, small\)/,
    );
  });

  it('HDF5 / NetCDF-4: one cube read as is; two (PRISMA VNIR + SWIR): the largest, the other offered', async () => {
    const fixture = (name: string) =>
      fileURLToPath(
        new URL(`../../../packages/hsi-data/fixtures/io/hdf5/${name}`, import.meta.url),
      );
    const file = async (name: string) => [
      { name, blob: new Blob([new Uint8Array(await readFile(fixture(name)))]) },
    ];
    // The whole file is read from the File once (listing, info and read share the bytes).
    let read = 0;
    class CountingBlob extends Blob {
      override slice(...a: Parameters<Blob['slice']>) {
        const part = super.slice(...a);
        read += part.size;
        return part;
      }
      override async arrayBuffer() {
        read += this.size;
        return super.arrayBuffer();
      }
    }
    const counted = new CountingBlob([new Uint8Array(await readFile(fixture('emit_like.nc')))]);
    await openCube([{ name: 'emit_like.nc', blob: counted }]);
    expect(read).toBe(counted.size);
    const emit = await openCube(await file('emit_like.nc'));
    expect(emit).toMatchObject({ format: 'HDF5', variable: '/reflectance', interleave: 'bip' });
    expect([emit.cube.rows, emit.cube.cols, emit.cube.bands]).toEqual([20, 16, 12]);
    expect(emit.variables).toEqual([{ name: '/reflectance', dims: [20, 16, 12] }]);
    expect(emit.cube.noDataValue).toBe(-9999);
    const files = await file('prisma_like.he5');
    const fields = '/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields';
    const swir = await openCube(files);
    expect(swir).toMatchObject({ variable: `${fields}/SWIR_Cube`, interleave: 'bil' });
    expect(swir.cube.bands).toBe(9);
    expect(swir.variables?.map((v) => v.name).sort()).toEqual([
      `${fields}/SWIR_Cube`,
      `${fields}/VNIR_Cube`,
    ]);
    const vnir = await openCube(files, { variable: `${fields}/VNIR_Cube` });
    expect([vnir.variable, vnir.cube.bands]).toEqual([`${fields}/VNIR_Cube`, 6]);
    await expect(openCube(files, { variable: '/nope' })).rejects.toThrow(
      /prisma_like\.he5 has no 3-D dataset \/nope/,
    );
  });
});
