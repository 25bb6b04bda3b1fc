import { describe, expect, it } from 'vitest';
import { HsiConfigError, HsiShapeError } from '../errors.js';
import { scalarMapImage } from './scalar-map.js';

describe('scalarMapImage', () => {
  it('draws min black, max white, linear between, clipped outside, NaN in its own colour', () => {
    const img = scalarMapImage(
      { rows: 2, cols: 3, data: [0, 5, 10, 20, -1, Number.NaN] },
      { max: 10 },
    );
    expect([img.width, img.height]).toEqual([3, 2]);
    const px = (i: number) => Array.from(img.data.subarray(i * 4, i * 4 + 4));
    expect(px(0)).toEqual([0, 0, 0, 255]);
    expect(px(1)).toEqual([128, 128, 128, 255]); // 127.5 rounds up
    expect(px(2)).toEqual([255, 255, 255, 255]);
    expect(px(3)).toEqual([255, 255, 255, 255]);
    expect(px(4)).toEqual([0, 0, 0, 255]);
    expect(px(5)).toEqual([255, 0, 255, 255]);
    const shifted = scalarMapImage(
      { rows: 1, cols: 2, data: [2, 4] },
      { min: 2, max: 6, nanColor: [1, 2, 3] },
    );
    expect(Array.from(shifted.data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255]);
  });

  it('refuses a size that does not match and an empty range', () => {
    expect(() => scalarMapImage({ rows: 2, cols: 2, data: [1, 2, 3] }, { max: 1 })).toThrow(
      HsiShapeError,
    );
    expect(() => scalarMapImage({ rows: 1, cols: 1, data: [1] }, { max: 0 })).toThrow(
      HsiConfigError,
    );
  });
});
