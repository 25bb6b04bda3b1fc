/** An ENVI `map info` with its pixel size divided by the SR scale, so the output stays
 * georeferenced ({projection, refX, refY, easting, northing, pixelX, pixelY, ...}). */
export function scaleMapInfo(mapInfo: string | undefined, s: number): string | undefined {
  if (!mapInfo) return undefined;
  const parts = mapInfo
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map((p) => p.trim());
  if (parts.length < 7 || !Number.isFinite(Number(parts[5])) || !Number.isFinite(Number(parts[6])))
    return mapInfo;
  parts[1] = String((Number(parts[1]) - 0.5) * s + 0.5);
  parts[2] = String((Number(parts[2]) - 0.5) * s + 0.5);
  parts[5] = String(Number(parts[5]) / s);
  parts[6] = String(Number(parts[6]) / s);
  return parts.join(', ');
}
