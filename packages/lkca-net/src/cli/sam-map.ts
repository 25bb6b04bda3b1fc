// `--sam-map PNG` of lkca eval and lkca metrics: per-pixel spectral angles to the ground truth as
// grey pictures side by side on one scale (white at the first map's 99th percentile), so where a
// model bends spectra, and where it mends them, shows.
import {
  type Cube,
  composeGrid,
  scalarMapImage,
  spectralAngleMap,
  writePng,
} from '@hsrkit/hsi-data/node';

export interface SamMapSummary {
  file: string;
  /** Angle drawn white (degrees): the first map's 99th percentile. */
  whiteDeg: number;
  /** Mean angle of each map (degrees): the preset's SAM. */
  meanDeg: number[];
  /** Pixels scored in every map. */
  pixels: number;
  /** With two maps: the share of those pixels where the second's angle is below the first's. */
  secondLowerShare?: number;
}

/** Writes the maps of `preds` against `gt` (left to right) to `file`; returns what they show. */
export async function writeSamMap(
  file: string,
  gt: Cube,
  preds: Cube[],
  preset: 'sspsr' | 'mcnet',
): Promise<SamMapSummary> {
  const maps = [];
  for (const p of preds) maps.push(await spectralAngleMap(gt, p, { preset }));
  const scored = maps[0].data.filter((v) => !Number.isNaN(v)).sort();
  const whiteDeg = Math.max(scored[Math.floor(0.99 * (scored.length - 1))] ?? 0, 1e-3);
  let pixels = 0;
  let lower = 0;
  for (let p = 0; p < maps[0].data.length; p++) {
    if (maps.some((m) => Number.isNaN(m.data[p]))) continue;
    pixels++;
    if (maps.length === 2 && maps[1].data[p] < maps[0].data[p]) lower++;
  }
  const images = maps.map((m) => scalarMapImage(m, { max: whiteDeg }));
  await writePng(file, composeGrid(images, { columns: images.length, border: 4 }));
  return {
    file,
    whiteDeg,
    meanDeg: maps.map((m) => m.mean),
    pixels,
    ...(maps.length === 2 ? { secondLowerShare: pixels ? lower / pixels : 0 } : {}),
  };
}

/** One line on the picture: what is where, the scale, and (two maps) where the second is lower. */
export function samMapText(s: SamMapSummary, labels: string[]): string {
  const parts = labels.length > 1 ? `${labels.join(' left to right, ')}` : labels[0];
  const lower =
    s.secondLowerShare === undefined
      ? ''
      : `; ${labels[1]}'s angle is lower than ${labels[0]}'s on ${(100 * s.secondLowerShare).toFixed(1)} % of the pixels`;
  return `spectral-angle map ${s.file} (${parts}): black 0 deg, white >= ${s.whiteDeg.toFixed(2)} deg, not scored magenta${lower}`;
}
