import type { BipCube } from '@hsrkit/hsi-data';
import { describe, expect, it } from 'vitest';
import {
  cubeMask,
  displayData,
  isMissing,
  networkInput,
  restoreNoData,
  selectBands,
} from './cube-mask.js';
import { PlaygroundInputError } from './errors.js';

/** 2 x 2 pixels x 5 bands, as EnMAP has them: band 0 all no-data, band 4 flagged bad, one no-data sample. */
function enmapLike(): BipCube {
  const ND = -32768;
  // pixel p, band b: 100 * (p + 1) + 10 * b
  const data = new Float32Array(4 * 5);
  for (let p = 0; p < 4; p++) for (let b = 0; b < 5; b++) data[p * 5 + b] = 100 * (p + 1) + 10 * b;
  for (let p = 0; p < 4; p++) data[p * 5] = ND;
  data[3 * 5 + 2] = ND; // pixel 3, band 2
  return {
    rows: 2,
    cols: 2,
    bands: 5,
    interleave: 'bip',
    data,
    noDataValue: ND,
    metadata: { bbl: ['1', '1', '1', '1', '0'] },
  };
}

describe('cubeMask', () => {
  it('finds bbl bands, all-no-data bands and no-data samples', () => {
    const mask = cubeMask(enmapLike());
    expect(mask.badBands).toEqual(['no-data', null, null, null, 'bbl']);
    expect(mask.goodBands).toEqual([1, 2, 3]);
    expect(mask.missingSamples).toBe(1);
    expect(mask.noDataValue).toBe(-32768);
  });

  it('compares a no-data value as float32 stores it, and treats non-finite as missing', () => {
    const cube: BipCube = {
      rows: 1,
      cols: 2,
      bands: 1,
      interleave: 'bip',
      data: Float32Array.of(-9999.9, 5),
      noDataValue: -9999.9,
    };
    expect(cubeMask(cube).missingSamples).toBe(1);
    expect(isMissing(Number.NaN, undefined)).toBe(true);
    expect(isMissing(0, undefined)).toBe(false);
  });

  it('ignores a bbl list that does not match the band count', () => {
    const cube = { ...enmapLike(), metadata: { bbl: ['0', '1'] } };
    expect(cubeMask(cube).badBands[4]).toBeNull();
  });
});

describe('the network input and the restored output', () => {
  it('fills missing samples with the band mean and bad bands by interpolation between good ones', () => {
    const cube = enmapLike();
    const x = networkInput(cube, cubeMask(cube));
    // Band 2's valid values: 120, 220, 320 (pixel 3 is no-data): mean 220.
    expect(x[3 * 5 + 2]).toBeCloseTo(220, 4);
    // Band 0 (all no-data) takes the nearest good band (1) pixel by pixel; band 4 (bbl 0) band 3.
    for (let p = 0; p < 4; p++) {
      expect(x[p * 5]).toBe(x[p * 5 + 1]);
      expect(x[p * 5 + 4]).toBe(x[p * 5 + 3]);
    }
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it('interpolates a bad band between its good neighbours', () => {
    const cube: BipCube = {
      rows: 1,
      cols: 1,
      bands: 4,
      interleave: 'bip',
      data: Float32Array.of(10, 999, 999, 40),
      metadata: { bbl: ['1', '0', '0', '1'] },
    };
    expect(Array.from(networkInput(cube, cubeMask(cube)))).toEqual([10, 20, 30, 40]);
  });

  it('refuses a cube with no good band', () => {
    const cube: BipCube = {
      rows: 1,
      cols: 1,
      bands: 2,
      interleave: 'bip',
      data: Float32Array.of(-1, -1),
      noDataValue: -1,
    };
    expect(() => networkInput(cube, cubeMask(cube))).toThrow(PlaygroundInputError);
  });

  it('puts no-data back: bad bands everywhere, and the x2 block of each no-data LR sample', () => {
    const lr = enmapLike();
    const mask = cubeMask(lr);
    const hr = { rows: 4, cols: 4, bands: 5, data: new Float32Array(16 * 5).fill(7) };
    const out = restoreNoData(hr, lr, mask, 2);
    for (let R = 0; R < 4; R++)
      for (let C = 0; C < 4; C++) {
        const o = (R * 4 + C) * 5;
        expect(out[o]).toBe(-32768);
        expect(out[o + 4]).toBe(-32768);
        expect(out[o + 1]).toBe(7);
        expect(out[o + 3]).toBe(7);
        // LR pixel 3 is (row 1, col 1): HR rows 2-3, cols 2-3.
        expect(out[o + 2]).toBe(R >= 2 && C >= 2 ? -32768 : 7);
      }
    // The input is not changed.
    expect(hr.data.every((v) => v === 7)).toBe(true);
  });

  it('without a no-data value, the result stays as it is', () => {
    const lr = { ...enmapLike(), noDataValue: undefined, data: new Float32Array(20).fill(1) };
    const hr = { rows: 2, cols: 2, bands: 5, data: new Float32Array(20).fill(3) };
    expect(restoreNoData(hr, lr, cubeMask(lr), 1)).toBe(hr.data);
  });

  it('shows missing samples and bad bands as NaN', () => {
    const cube = enmapLike();
    const v = displayData(cube, cubeMask(cube));
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Number.isNaN(v[4])).toBe(true);
    expect(Number.isNaN(v[3 * 5 + 2])).toBe(true);
    expect(v[1]).toBe(110);
  });

  it('selects bands in order', () => {
    const img = { rows: 1, cols: 2, bands: 3, data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    expect(Array.from(selectBands(img, [2, 0]).data)).toEqual([3, 1, 6, 4]);
    expect(selectBands(img, [0, 1, 2])).toBe(img);
  });
});
