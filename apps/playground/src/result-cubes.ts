// The SR and bicubic results as cubes carrying the input's metadata, for the ENVI download:
// wavelengths and their units, fwhm, bbl and the other header fields, the coordinate system, the
// no-data value, and the map info scaled to the output's pixels.
import { type BipCube, HsiFormatError, scaleMapInfo } from '@hsrkit/hsi-data';
import type { AppState } from './store.js';
import { cubeOf } from './worker-protocol.js';

/** The SR and bicubic results as cubes carrying the input's metadata. */
export function resultCubes(s: AppState): { sr: BipCube; bicubic: BipCube } | undefined {
  const { run, input } = s;
  if (!run?.sr || !run.bicubic || !input) return undefined;
  const { rows: _r, cols: _c, bands: _b, data: _d, interleave: _i, mapInfo, ...meta } = input.cube;
  const m = { ...meta, mapInfo: outputMapInfo(mapInfo, run.scale) };
  return { sr: cubeOf(run.sr, m), bicubic: cubeOf(run.bicubic, m) };
}

/**
 * The input's `map info` for the x`scale` output (same upper-left corner, pixel size / scale); a
 * map info hsi-data cannot parse is left out (kept as it is, it would put the output at the wrong
 * ground size).
 */
function outputMapInfo(mapInfo: string | undefined, scale: number): string | undefined {
  try {
    return scaleMapInfo(mapInfo, scale);
  } catch (e) {
    if (e instanceof HsiFormatError) return undefined;
    throw e;
  }
}
