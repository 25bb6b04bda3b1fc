import { readEnviFrom } from '@hsrkit/hsi-data';
import { expect, it } from 'vitest';
import { enviDownload } from './envi-download.js';

it('builds an ENVI pair that hsi-data reads back exactly, with the metadata', async () => {
  const data = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => i * 1.5 - 7);
  const files = enviDownload(
    {
      rows: 3,
      cols: 4,
      bands: 5,
      interleave: 'bip',
      data,
      wavelengths: [400, 450, 500, 550, 600],
      wavelengthUnits: 'Nanometers',
      mapInfo: 'UTM, 1, 1, 0, 0, 7.5, 7.5, 11, North, WGS-84',
    },
    'scene_sr_x4',
    'test',
  );
  expect([files.headerName, files.dataName]).toEqual(['scene_sr_x4.hdr', 'scene_sr_x4.img']);
  expect(files.data.size).toBe(3 * 4 * 5 * 4);
  const back = await readEnviFrom({ header: files.header, data: files.data });
  expect([back.rows, back.cols, back.bands, back.interleave]).toEqual([3, 4, 5, 'bip']);
  expect(back.data).toEqual(data);
  expect(back.wavelengths).toEqual([400, 450, 500, 550, 600]);
  expect(back.mapInfo).toBe('UTM, 1, 1, 0, 0, 7.5, 7.5, 11, North, WGS-84');
  expect(back.metadata?.description).toBe('test');
});

it('keeps the georeferencing, fwhm, bbl, units and no-data of an opened ENVI cube, map info scaled', async () => {
  const { openCube } = await import('./open-cube.js');
  const { resultCubes } = await import('./result-cubes.js');
  const { restoreNoData } = await import('./cube-mask.js');
  const header = [
    'ENVI',
    'samples = 3',
    'lines = 2',
    'bands = 4',
    'header offset = 0',
    'file type = ENVI Standard',
    'data type = 2',
    'interleave = bsq',
    'byte order = 0',
    'map info = {UTM, 1, 1, 500000, 5800000, 30, 30, 33, North, WGS-84, units=Meters}',
    'coordinate system string = {PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984"]]}',
    'data ignore value = -32768',
    'wavelength units = Nanometers',
    'wavelength = {420, 500, 600, 2400}',
    'fwhm = {6.5, 7, 8, 10}',
    'bbl = {0, 1, 1, 0}',
  ].join('\n');
  const samples = Int16Array.from({ length: 24 }, (_, i) => (i < 6 ? -32768 : 100 + i));
  const lr = await openCube([
    { name: 'enmap.hdr', blob: new Blob([header]) },
    { name: 'enmap.bsq', blob: new Blob([samples.buffer]) },
  ]);
  expect(lr.mask.badBands).toEqual(['bbl', null, null, 'bbl']);
  const scale = 2;
  const hr = { rows: 4, cols: 6, bands: 4, data: new Float32Array(4 * 6 * 4).fill(555) };
  const sr = { ...hr, data: restoreNoData(hr, lr.cube, lr.mask, scale) };
  const run = {
    cancelled: false,
    sr,
    bicubic: sr,
    scale,
    tiles: { done: 1, total: 1 },
    ms: 1,
    backend: 'wasm',
    selfEnsemble: false,
    tensorsBefore: 0,
    tensorsAfter: 0,
  };
  const cubes = resultCubes({ input: lr, run });
  const files = enviDownload(cubes!.sr, 'enmap_sr_x2');
  const back = await readEnviFrom({ header: files.header, data: files.data });
  // Same upper-left corner (pixel 1, 1 at 500000, 5800000), pixel size 30 / 2.
  expect(back.mapInfo).toBe('UTM, 1, 1, 500000, 5800000, 15, 15, 33, North, WGS-84, units=Meters');
  expect(back.coordinateSystem).toBe('PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984"]]');
  expect(back.fwhm).toEqual([6.5, 7, 8, 10]);
  expect(back.metadata?.bbl).toEqual(['0', '1', '1', '0']);
  expect(back.wavelengthUnits).toBe('Nanometers');
  expect(back.wavelengths).toEqual([420, 500, 600, 2400]);
  expect(back.noDataValue).toBe(-32768);
  // The bad bands are no-data in the output; the good ones hold the result.
  for (let p = 0; p < 24; p++) {
    expect([back.data[p * 4], back.data[p * 4 + 3]]).toEqual([-32768, -32768]);
    expect([back.data[p * 4 + 1], back.data[p * 4 + 2]]).toEqual([555, 555]);
  }
});

it("keeps a GeoTIFF's georeferencing: its UTM tie point and pixel size become the download's map info, scaled", async () => {
  const { readFile } = await import('node:fs/promises');
  const { openCube } = await import('./open-cube.js');
  const { resultCubes } = await import('./result-cubes.js');
  const tif = new URL(
    '../../../packages/hsi-data/fixtures/io/tiff/samson_pixel.tif',
    import.meta.url,
  );
  const lr = await openCube([{ name: 'samson_pixel.tif', blob: new Blob([await readFile(tif)]) }]);
  expect(lr.cube.mapInfo).toBe(
    'UTM, 1, 1, 612750.91, 4074458.708, 1, 1, 10, North, WGS-84, units=Meters',
  );
  const { rows, cols, bands } = lr.cube;
  const hr = {
    rows: rows * 4,
    cols: cols * 4,
    bands,
    data: new Float32Array(rows * cols * bands * 16),
  };
  const run = {
    cancelled: false,
    sr: hr,
    bicubic: hr,
    scale: 4,
    tiles: { done: 1, total: 1 },
    ms: 1,
    backend: 'wasm',
    selfEnsemble: false,
    tensorsBefore: 0,
    tensorsAfter: 0,
  };
  const files = enviDownload(resultCubes({ input: lr, run })!.sr, 'samson_sr_x4');
  const back = await readEnviFrom({ header: files.header, data: files.data });
  expect(back.mapInfo).toBe(
    'UTM, 1, 1, 612750.91, 4074458.708, 0.25, 0.25, 10, North, WGS-84, units=Meters',
  );
});
