// ENVI `map info` from a GeoTIFF's georeferencing (ModelTiepoint + ModelPixelScale and the geo
// keys), for the coordinate systems a `map info` names without a projection database: UTM on
// WGS-84 (EPSG 32601-32660 / 32701-32760, or a user-defined UTM whose citation names the zone,
// as GDAL writes them) and geographic WGS-84 (EPSG 4326). Anything else, a rotated grid
// (ModelTransformation) or no georeferencing gives undefined: a guess would place the cube wrongly.
// The reference point is the upper-left corner of the read window's upper-left pixel
// (src/io/map-info.ts); a PixelIsPoint tie point is the centre of its pixel.
import type { GeoTIFFImage } from 'geotiff';
import { formatEnviMapInfo } from './map-info.js';

const UTM_CITATION = /UTM[ _]?zone[ _]?(\d{1,2})\s*([NS])/i;

/** `[projection-specific items]` after the pixel size, or undefined for an unsupported system. */
function coordinateItems(
  keys: Record<string, unknown>,
): { projection: string; rest: string[] } | undefined {
  const projected = Number(keys.ProjectedCSTypeGeoKey);
  if (projected >= 32601 && projected <= 32660)
    return {
      projection: 'UTM',
      rest: [String(projected - 32600), 'North', 'WGS-84', 'units=Meters'],
    };
  if (projected >= 32701 && projected <= 32760)
    return {
      projection: 'UTM',
      rest: [String(projected - 32700), 'South', 'WGS-84', 'units=Meters'],
    };
  const wgs84 =
    Number(keys.GeographicTypeGeoKey) === 4326 ||
    /WGS[ _]?84/i.test(String(keys.GeogCitationGeoKey ?? ''));
  if (projected === 32767 && wgs84 && Number(keys.ProjLinearUnitsGeoKey ?? 9001) === 9001) {
    const m = UTM_CITATION.exec(`${keys.GTCitationGeoKey ?? ''} ${keys.PCSCitationGeoKey ?? ''}`);
    if (m)
      return {
        projection: 'UTM',
        rest: [
          String(Number(m[1])),
          m[2].toUpperCase() === 'N' ? 'North' : 'South',
          'WGS-84',
          'units=Meters',
        ],
      };
  }
  if (Number(keys.GTModelTypeGeoKey) === 2 && Number(keys.GeographicTypeGeoKey) === 4326)
    return { projection: 'Geographic Lat/Lon', rest: ['WGS-84', 'units=Degrees'] };
  return undefined;
}

/**
 * The `map info` of the window of `image` whose upper-left pixel is (row, col), or undefined when
 * the file's georeferencing is missing or not one of the systems above.
 */
export function geoTiffMapInfo(
  image: GeoTIFFImage,
  window: { row: number; col: number } = { row: 0, col: 0 },
): string | undefined {
  const dir = image.fileDirectory;
  const tie = dir.getValue('ModelTiepoint') as ArrayLike<number> | undefined;
  const scale = dir.getValue('ModelPixelScale') as ArrayLike<number> | undefined;
  if (!tie || tie.length < 6 || !scale || scale.length < 2 || dir.getValue('ModelTransformation'))
    return undefined;
  const [sx, sy] = [scale[0], scale[1]];
  if (!(sx > 0 && sy > 0)) return undefined;
  const keys = (image.getGeoKeys() ?? {}) as Record<string, unknown>;
  const system = coordinateItems(keys);
  if (!system) return undefined;
  // Tie point (I, J) -> (X, Y); GTRasterTypeGeoKey 2 (PixelIsPoint): (I, J) is a pixel centre.
  const half = Number(keys.GTRasterTypeGeoKey) === 2 ? 0.5 : 0;
  const [I, J, , X, Y] = Array.from(tie);
  return formatEnviMapInfo({
    projection: system.projection,
    referencePixel: { x: 1, y: 1 },
    referenceMap: { x: X + (window.col - I - half) * sx, y: Y - (window.row - J - half) * sy },
    pixelSize: { x: sx, y: sy },
    rest: system.rest,
  });
}
