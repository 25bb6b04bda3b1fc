import type { GeoTIFFImage } from 'geotiff';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/io-fixtures.js';
import { readGeoTiff, readGeoTiffWindow } from '../node/geotiff-files.js';
import { geoTiffMapInfo } from './geotiff-map-info.js';
import { parseEnviMapInfo } from './map-info.js';

describe('GeoTIFF georeferencing as ENVI map info', () => {
  // samson_pixel.tif was written by GDAL with a user-defined UTM zone 10N on WGS 84: tie point
  // (0, 0) at (612750.91, 4074458.708), 1 m pixels (scripts/make_io_fixtures.py).
  it('reads the map info of a GDAL-written UTM GeoTIFF, and of a window of it', async () => {
    const cube = await readGeoTiff(fixture('io/tiff/samson_pixel.tif'));
    expect(cube.mapInfo).toBe(
      'UTM, 1, 1, 612750.91, 4074458.708, 1, 1, 10, North, WGS-84, units=Meters',
    );
    const win = await readGeoTiffWindow(fixture('io/tiff/samson_pixel.tif'), {
      row: 3,
      col: 5,
      rows: 4,
      cols: 4,
    });
    const m = parseEnviMapInfo(win.mapInfo as string);
    // The window's upper-left corner: 5 pixels east, 3 south.
    expect(m.referenceMap).toEqual({ x: 612750.91 + 5, y: 4074458.708 - 3 });
  });

  it('gives none for a file without georeferencing', async () => {
    const cube = await readGeoTiff(fixture('io/tiff/gamsberg_float_nowl.tif'));
    expect(cube.mapInfo).toBeUndefined();
  });

  const image = (tags: Record<string, unknown>, keys: Record<string, unknown>) =>
    ({
      fileDirectory: { getValue: (name: string) => tags[name] },
      getGeoKeys: () => keys,
    }) as unknown as GeoTIFFImage;
  const grid = { ModelTiepoint: [0, 0, 0, 500000, 5800000, 0], ModelPixelScale: [30, 30, 0] };

  it('names EPSG UTM zones, geographic WGS-84, and shifts a PixelIsPoint tie point by half a pixel', () => {
    expect(geoTiffMapInfo(image(grid, { ProjectedCSTypeGeoKey: 32633 }))).toBe(
      'UTM, 1, 1, 500000, 5800000, 30, 30, 33, North, WGS-84, units=Meters',
    );
    expect(geoTiffMapInfo(image(grid, { ProjectedCSTypeGeoKey: 32733 }))).toBe(
      'UTM, 1, 1, 500000, 5800000, 30, 30, 33, South, WGS-84, units=Meters',
    );
    expect(
      geoTiffMapInfo(image(grid, { ProjectedCSTypeGeoKey: 32633, GTRasterTypeGeoKey: 2 })),
    ).toBe('UTM, 1, 1, 499985, 5800015, 30, 30, 33, North, WGS-84, units=Meters');
    const deg = { ModelTiepoint: [0, 0, 0, 10.5, 48.25, 0], ModelPixelScale: [0.25, 0.25, 0] };
    expect(geoTiffMapInfo(image(deg, { GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 }))).toBe(
      'Geographic Lat/Lon, 1, 1, 10.5, 48.25, 0.25, 0.25, WGS-84, units=Degrees',
    );
  });

  it('gives none for a system it cannot name, or a rotated grid', () => {
    expect(geoTiffMapInfo(image(grid, { ProjectedCSTypeGeoKey: 3035 }))).toBeUndefined();
    expect(
      geoTiffMapInfo(
        image(
          { ...grid, ModelTransformation: [1, 0.1, 0, 0, 0.1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] },
          {
            ProjectedCSTypeGeoKey: 32633,
          },
        ),
      ),
    ).toBeUndefined();
  });
});
