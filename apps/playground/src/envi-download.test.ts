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
