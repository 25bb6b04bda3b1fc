import { describe, expect, it } from 'vitest';
import { fitBox, ViewZoom } from './image-canvas.js';
import { errorMap, renderHeat, renderImage, robustMax, stretchLimits } from './render.js';

// 2 x 2 pixels, 3 bands; pixel 3 is no-data (NaN) in band 1.
const img = {
  rows: 2,
  cols: 2,
  bands: 3,
  data: Float32Array.of(0, 10, 100, 1, 20, 200, 2, 30, 300, 3, Number.NaN, 400),
};

describe('renderImage', () => {
  it('maps min / max to 0 / 255 in grey, leaving no-data transparent', () => {
    const display = { mode: 'grey' as const, band: 1 };
    const limits = stretchLimits(img, display, { kind: 'range', min: 10, max: 30 });
    expect(limits).toEqual({ low: [10], high: [30] });
    const pic = renderImage(img, display, limits);
    expect([pic.width, pic.height]).toEqual([2, 2]);
    expect(Array.from(pic.data)).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 0,
    ]);
  });

  it('takes percentiles of the valid samples only, per channel of a false-colour view', () => {
    const display = { mode: 'rgb' as const, bands: [2, 1, 0] as [number, number, number] };
    const limits = stretchLimits(img, display, { kind: 'percentile', low: 0, high: 100 });
    expect(limits).toEqual({ low: [100, 10, 0], high: [400, 30, 3] });
    const pic = renderImage(img, display, limits);
    // Pixel 0: R from band 2 (100 -> 0), G from band 1 (10 -> 0), B from band 0 (0 -> 0).
    expect(Array.from(pic.data.subarray(0, 4))).toEqual([0, 0, 0, 255]);
    // Pixel 2: 300 -> 170, 30 -> 255, 2 -> 170.
    expect(Array.from(pic.data.subarray(8, 12))).toEqual([170, 255, 170, 255]);
  });
});

describe('error maps', () => {
  it('is the per-pixel RMS over the listed bands', () => {
    const a = { rows: 1, cols: 2, bands: 2, data: Float32Array.of(3, 4, 1, 1) };
    const b = { rows: 1, cols: 2, bands: 2, data: Float32Array.of(0, 0, 1, 1) };
    expect(Array.from(errorMap(a, b, [0, 1]))).toEqual([Math.fround(Math.sqrt(12.5)), 0]);
    expect(Array.from(errorMap(a, b, [1]))).toEqual([4, 0]);
  });

  it('draws 0 black and the top white, NaN transparent', () => {
    const pic = renderHeat(Float32Array.of(0, 5, Number.NaN), 1, 3, 5);
    expect(Array.from(pic.data)).toEqual([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
    expect(robustMax(Float32Array.from({ length: 101 }, (_, i) => i))).toBeCloseTo(99, 6);
  });
});

describe('the view box and its zoom', () => {
  it('keeps the aspect ratio, the long side filling the box', () => {
    expect(fitBox(31, 23)).toEqual({ width: 285, height: 384 });
    expect(fitBox(32, 32)).toEqual({ width: 384, height: 384 });
    expect(fitBox(10, 40, 400)).toEqual({ width: 400, height: 100 });
  });

  it('zooms about a point that stays put, and never shows past the picture', () => {
    const z = new ViewZoom();
    z.zoomAt(2, 100, 50, 384, 384);
    // The picture point under (100, 50) was (100, 50); at x2 it is still under the cursor.
    expect([z.scale, z.x, z.y]).toEqual([2, -100, -50]);
    z.panBy(500, 500, 384, 384);
    expect([z.x, z.y]).toEqual([0, 0]);
    z.panBy(-5000, 0, 384, 384);
    expect(z.x).toBe(384 - 768);
    z.zoomAt(0.1, 0, 0, 384, 384);
    expect([z.scale, z.x, z.y]).toEqual([1, 0, 0]);
  });
});
