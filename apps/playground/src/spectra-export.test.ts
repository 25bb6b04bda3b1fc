import type { BipCube } from '@hsrkit/hsi-data';
import { expect, it } from 'vitest';
import { cubeMask } from './cube-mask.js';
import { pinLabel, pinSpectrum, spectraCsv, valueLabel } from './spectra-export.js';

it('writes pinned spectra as CSV, one row per band, no-data and bad bands empty', () => {
  const cube: BipCube = {
    rows: 1,
    cols: 2,
    bands: 3,
    interleave: 'bip',
    data: Float32Array.of(1, -1, 3, 4, 5, 6),
    wavelengths: [400, 500, 600],
    wavelengthUnits: 'Nanometers',
    noDataValue: -1,
    metadata: { bbl: ['1', '1', '0'] },
  };
  expect(
    spectraCsv(cube, cubeMask(cube), [
      { row: 0, col: 0 },
      { row: 0, col: 1 },
    ]),
  ).toBe('band,wavelength (Nanometers),row 0 col 0,row 0 col 1\n0,400,1,4\n1,500,,5\n2,600,,\n');
});

it('names the values from the header: z plot titles, data units, or the reflectance scale', () => {
  expect(valueLabel({ metadata: { 'z plot titles': ['Wavelength', 'Reflectance'] } })).toBe(
    'Reflectance',
  );
  expect(valueLabel({ scaleFactor: 10000 })).toBe('reflectance x 10000');
  expect(valueLabel({ metadata: { 'data units': 'W/(m2 sr um)' }, scaleFactor: 100 })).toBe(
    'W/(m2 sr um) (reflectance x 100)',
  );
  expect(valueLabel({})).toBe('value (as stored)');
});

it('a region pin is the mean of its valid samples per band', () => {
  const cube: BipCube = {
    rows: 2,
    cols: 2,
    bands: 2,
    interleave: 'bip',
    data: Float32Array.of(1, 10, 3, -1, 5, 30, 7, 40),
    noDataValue: -1,
  };
  const mask = cubeMask(cube);
  const region = { row: 0, col: 0, rows: 2, cols: 2 };
  // Band 0: (1 + 3 + 5 + 7) / 4; band 1: the no-data sample left out, (10 + 30 + 40) / 3.
  expect(Array.from(pinSpectrum(cube, mask, region))).toEqual([4, 80 / 3]);
  expect(pinLabel(region)).toBe('mean rows 0-1 cols 0-1');
  expect(pinLabel({ row: 1, col: 0 })).toBe('row 1 col 0');
  expect(spectraCsv(cube, mask, [region]).split('\n')[0]).toBe(
    'band,wavelength,mean rows 0-1 cols 0-1',
  );
});
