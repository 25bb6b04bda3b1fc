// ENVI `map info`: `{projection, refX, refY, mapX, mapY, pixelX, pixelY[, zone, North|South],
// datum[, units=..., rotation=...]}`. The reference pixel (refX, refY) is in 1-based image
// coordinates where (1, 1) is the upper-left CORNER of the upper-left pixel ((1.5, 1.5) is its
// centre); (mapX, mapY) are the map coordinates of that point (GDAL's ENVI driver reads it so).
import { HsiConfigError, HsiFormatError } from '../errors.js';

/** The georeferencing fields of an ENVI `map info`. */
export interface EnviMapInfo {
  /** `UTM`, `Geographic Lat/Lon`, `Arbitrary`, ... */
  projection: string;
  /** 1-based image coordinates of the reference point: (1, 1) is the upper-left corner of the upper-left pixel. */
  referencePixel: { x: number; y: number };
  /** Map coordinates of the reference point (easting / longitude, northing / latitude). */
  referenceMap: { x: number; y: number };
  /** Size of a pixel in map units, along x (columns) and y (rows; positive: rows go south). */
  pixelSize: { x: number; y: number };
  /** The items after the pixel size, as written: UTM zone and hemisphere, datum, `units=...`, `rotation=...`. */
  rest: string[];
}

/**
 * Parse an ENVI `map info` value (with or without its braces). Anything that is not a projection
 * name followed by six numbers is a `HsiFormatError` naming `file` and the item at fault.
 */
export function parseEnviMapInfo(text: string, file = 'map info'): EnviMapInfo {
  const items = text
    .trim()
    .replace(/^\{+|\}+$/g, '')
    .split(',')
    .map((s) => s.trim());
  if (items.length < 7)
    throw new HsiFormatError(
      file,
      'map info',
      `"${text.trim().slice(0, 80)}" has ${items.length} items; it needs a projection, the reference pixel (x, y), its map coordinates (x, y) and the pixel size (x, y)`,
    );
  const names = [
    'reference pixel x',
    'reference pixel y',
    'map x',
    'map y',
    'pixel size x',
    'pixel size y',
  ];
  const numbers = items.slice(1, 7).map((s, k) => {
    const v = s === '' ? Number.NaN : Number(s);
    if (!Number.isFinite(v))
      throw new HsiFormatError(file, `map info ${names[k]}`, `"${s}" is not a finite number`);
    return v;
  });
  if (numbers[4] === 0 || numbers[5] === 0)
    throw new HsiFormatError(file, 'map info pixel size', 'a pixel size of 0 maps nothing');
  return {
    projection: items[0],
    referencePixel: { x: numbers[0], y: numbers[1] },
    referenceMap: { x: numbers[2], y: numbers[3] },
    pixelSize: { x: numbers[4], y: numbers[5] },
    rest: items.slice(7),
  };
}

/** A number as plain decimal digits (no exponent, which not every ENVI reader parses), exact: it reads back as the same double. */
export function plainDecimal(v: number): string {
  const text = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return sign + digits.padEnd(exp + 1, '0');
}

/** The text of a `map info` value, without braces (`formatEnviHeader` adds them). */
export function formatEnviMapInfo(info: EnviMapInfo): string {
  const { referencePixel: p, referenceMap: m, pixelSize: s } = info;
  return [info.projection, p.x, p.y, m.x, m.y, s.x, s.y]
    .map((v) => (typeof v === 'number' ? plainDecimal(v) : v))
    .concat(info.rest)
    .join(', ');
}

/**
 * The `map info` of a cube upsampled `scale` times (an x`scale` SR output of the cube): the pixel
 * size is divided by `scale` and the reference pixel moved so that it names the same ground point,
 * ref' = (ref - 1) * scale + 1 (1-based, corner at 1). So the upper-left corner of the upper-left
 * pixel stays where it was, whatever reference pixel the header used; rotation and datum carry over.
 * Given a string, returns a string without braces; `undefined` stays `undefined`.
 */
export function scaleMapInfo(mapInfo: string, scale: number, file?: string): string;
export function scaleMapInfo(
  mapInfo: string | undefined,
  scale: number,
  file?: string,
): string | undefined;
export function scaleMapInfo(
  mapInfo: string | undefined,
  scale: number,
  file?: string,
): string | undefined {
  if (mapInfo === undefined) return undefined;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new HsiConfigError('scale', `must be a positive number, got ${scale}`);
  const info = parseEnviMapInfo(mapInfo, file);
  const { referencePixel: p, pixelSize: s } = info;
  return formatEnviMapInfo({
    ...info,
    referencePixel: { x: (p.x - 1) * scale + 1, y: (p.y - 1) * scale + 1 },
    pixelSize: { x: s.x / scale, y: s.y / scale },
  });
}
