import { expect, it } from 'vitest';
import { scaleMapInfo } from './map-info.js';

it('divides the pixel size by the scale and moves the reference pixel', () => {
  expect(scaleMapInfo('{UTM, 1, 1, 500000, 4000000, 30, 30, 11, North, WGS-84}', 4)).toBe(
    'UTM, 2.5, 2.5, 500000, 4000000, 7.5, 7.5, 11, North, WGS-84',
  );
  expect(scaleMapInfo(undefined, 4)).toBeUndefined();
  expect(scaleMapInfo('Arbitrary', 2)).toBe('Arbitrary');
});
