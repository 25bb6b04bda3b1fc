import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/io-fixtures.js';
import { HsiConfigError, HsiFormatError } from '../errors.js';
import { writeEnvi } from '../node/envi-files.js';
import { formatEnviMapInfo, parseEnviMapInfo, plainDecimal, scaleMapInfo } from './map-info.js';

const tmpDir = useTempDir('hsi-mapinfo-');

/** Map x, y of the upper-left corner of the upper-left pixel, by ENVI's rule (corner = (1, 1)). */
function upperLeftCorner(mapInfo: string): [number, number] {
  const m = parseEnviMapInfo(mapInfo);
  return [
    m.referenceMap.x - (m.referencePixel.x - 1) * m.pixelSize.x,
    m.referenceMap.y + (m.referencePixel.y - 1) * m.pixelSize.y,
  ];
}

describe('scaleMapInfo: an x s output keeps the upper-left corner, pixel size / s', () => {
  it('numbers worked by hand from the ENVI rule', () => {
    const cases: [string, number, string][] = [
      // Reference at the corner: the corner's map point and the reference pixel stay.
      [
        'UTM, 1, 1, 500000, 4000000, 30, 30, 11, North, WGS-84',
        4,
        'UTM, 1, 1, 500000, 4000000, 7.5, 7.5, 11, North, WGS-84',
      ],
      // Reference at the centre of pixel (0, 0): 15 m from the corner, which is 2 output pixels of 7.5.
      [
        'UTM, 1.5, 1.5, 500015, 4000015, 30, 30, 11, North, WGS-84',
        4,
        'UTM, 3, 3, 500015, 4000015, 7.5, 7.5, 11, North, WGS-84',
      ],
      // Reference at the corner of pixel (100, 50): 100 input pixels = 200 output pixels from the corner.
      [
        '{UTM, 51, 101, 612730.91, 4131502.0, 2, 4, 10, North, WGS-84, units=Meters, rotation=15}',
        2,
        'UTM, 101, 201, 612730.91, 4131502, 1, 2, 10, North, WGS-84, units=Meters, rotation=15',
      ],
      [
        'Geographic Lat/Lon, 1, 1, -122.5, 37.8, 0.0001, 0.0001, WGS-84, units=Degrees',
        4,
        'Geographic Lat/Lon, 1, 1, -122.5, 37.8, 0.000025, 0.000025, WGS-84, units=Degrees',
      ],
      ['Arbitrary, 2, 2, 0, 0, 30, 30', 3, 'Arbitrary, 4, 4, 0, 0, 10, 10'],
    ];
    for (const [input, s, want] of cases) {
      expect(scaleMapInfo(input, s)).toBe(want);
      const [x0, y0] = upperLeftCorner(input);
      const [x1, y1] = upperLeftCorner(want);
      expect(x1).toBeCloseTo(x0, 9);
      expect(y1).toBeCloseTo(y0, 9);
    }
    expect(scaleMapInfo(undefined, 4)).toBeUndefined();
  });

  it('mutation check: the pixel-centre rule and plain multiplication move the corner', () => {
    // Two wrong ways to scale the reference pixel (the first is what the playground's removed copy
    // did): each gives a corner that the hand-worked checks above reject.
    const wrong = [
      (ref: number, s: number) => (ref - 0.5) * s + 0.5,
      (ref: number, s: number) => ref * s,
    ];
    const input = 'UTM, 1, 1, 500000, 4000000, 30, 30, 11, North, WGS-84';
    const [x0] = upperLeftCorner(input);
    for (const rule of wrong) {
      const moved = `UTM, ${rule(1, 4)}, ${rule(1, 4)}, 500000, 4000000, 7.5, 7.5, 11, North, WGS-84`;
      expect(moved).not.toBe(scaleMapInfo(input, 4));
      expect(Math.abs(upperLeftCorner(moved)[0] - x0)).toBeGreaterThan(1);
    }
  });

  it('the corner stays put for any reference pixel and scale', () => {
    for (const [rx, ry] of [
      [1, 1],
      [1.5, 1.5],
      [3.25, 7],
      [0.5, 0.5],
      [120, 2.75],
    ])
      for (const s of [2, 3, 4, 8]) {
        const input = `UTM, ${rx}, ${ry}, 612730.91, 4131502.5, 30, 30, 10, North, WGS-84`;
        const out = parseEnviMapInfo(scaleMapInfo(input, s));
        expect(out.pixelSize).toEqual({ x: 30 / s, y: 30 / s });
        expect(out.referenceMap).toEqual({ x: 612730.91, y: 4131502.5 });
        const [x0, y0] = upperLeftCorner(input);
        const [x1, y1] = upperLeftCorner(scaleMapInfo(input, s));
        expect(Math.abs(x1 - x0)).toBeLessThan(1e-6);
        expect(Math.abs(y1 - y0)).toBeLessThan(1e-6);
      }
  });

  it('bad map info and bad scales are typed errors naming the item', () => {
    expect(() => scaleMapInfo('Arbitrary', 2)).toThrow(HsiFormatError);
    expect(() => parseEnviMapInfo('UTM, 1, x, 0, 0, 30, 30', 'a.hdr')).toThrow(
      /a\.hdr: map info reference pixel y: "x" is not a finite number/,
    );
    expect(() => parseEnviMapInfo('UTM, 1, 1, 0, 0, 0, 30')).toThrow(/pixel size/);
    expect(() => scaleMapInfo('UTM, 1, 1, 0, 0, 30, 30', 0)).toThrow(HsiConfigError);
  });

  it('parse and format round-trip; numbers are written without exponents, exactly', () => {
    const text = 'UTM, 1, 1, 612730.91, 4131502, 2, 4, 10, North, WGS-84';
    expect(formatEnviMapInfo(parseEnviMapInfo(`{${text}}`))).toBe(text);
    expect(plainDecimal(1e-7)).toBe('0.0000001');
    expect(plainDecimal(-2.5e-8)).toBe('-0.000000025');
    expect(plainDecimal(1.5e21)).toBe('1500000000000000000000');
    for (const v of [1 / 3, 2.220446049250313e-16, 123456.789e-12, 7.5e22, -0.1 / 3])
      expect(Number(plainDecimal(v))).toBe(v);
  });
});

// GDAL's reading of the headers is the independent reference; required under CI or with
// HSRKIT_REQUIRE_GDAL_CHECK=1 (.ci/run installs python3-gdal), else skipped with a warning.
const PYTHON = process.env.HSRKIT_PYTHON ?? '/usr/bin/python3';
const gdalRequired =
  (!!process.env.CI && process.env.CI !== 'false') || process.env.HSRKIT_REQUIRE_GDAL_CHECK === '1';
const gdalMissing = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'from osgeo import gdal'], { stdio: 'ignore' });
    return null;
  } catch {
    return `${PYTHON} cannot import GDAL (osgeo)`;
  }
})();
if (gdalMissing && !gdalRequired)
  console.warn(`map-info.test.ts: SKIPPING the check against GDAL: ${gdalMissing}`);

describe('scaleMapInfo against GDAL', () => {
  // GDAL's ENVI driver turns `map info` into a geotransform; the x s output must give the same
  // corner (gt[0], gt[3]) and pixel size / s (gt[1], gt[5]).
  (gdalMissing && !gdalRequired ? it.skip : it)(
    `GDAL reads the same corner and 1/s the pixel size from our headers${gdalMissing && !gdalRequired ? ` (SKIPPED: ${gdalMissing})` : ''}`,
    async () => {
      if (gdalMissing) throw new Error(`the GDAL check is required here, but ${gdalMissing}`);
      const inputs = [
        'UTM, 1, 1, 500000, 4000000, 30, 30, 11, North, WGS-84, units=Meters',
        'UTM, 1.5, 1.5, 500015, 4000015, 30, 30, 11, North, WGS-84, units=Meters',
        'UTM, 3.25, 7, 612730.91, 4131502.5, 20, 20, 10, North, WGS-84, units=Meters',
        `{UTM, 51, 101, 612730.91, 4131502.0, 2, 4, 10, North, WGS-84, units=Meters}`,
      ];
      const files: string[] = [];
      for (const [i, mapInfo] of inputs.entries())
        for (const s of [1, 4]) {
          const file = path.join(tmpDir(), `m${i}_x${s}.img`);
          await writeEnvi(file, {
            rows: 2 * s,
            cols: 3 * s,
            bands: 1,
            interleave: 'bsq',
            data: new Float32Array(6 * s * s),
            mapInfo: s === 1 ? mapInfo : scaleMapInfo(mapInfo, s),
          });
          files.push(file);
        }
      const script =
        'import json, sys\nfrom osgeo import gdal\n' +
        'print(json.dumps([gdal.Open(f).GetGeoTransform() for f in sys.argv[1:]]))';
      const gts = JSON.parse(
        execFileSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' }),
      ) as number[][];
      for (let i = 0; i < inputs.length; i++) {
        const [a, b] = [gts[2 * i], gts[2 * i + 1]];
        expect(b[0]).toBeCloseTo(a[0], 6);
        expect(b[3]).toBeCloseTo(a[3], 6);
        expect(b[1]).toBeCloseTo(a[1] / 4, 12);
        expect(b[5]).toBeCloseTo(a[5] / 4, 12);
        // ... and that corner is the one worked out by hand from the header.
        const [x0, y0] = upperLeftCorner(inputs[i]);
        expect(a[0]).toBeCloseTo(x0, 6);
        expect(a[3]).toBeCloseTo(y0, 6);
      }
    },
  );
});
