// Pinned spectra as CSV (one row per band: band, wavelength, then one column per pixel; no-data
// and bad bands left empty), and what the cube's values are, for the spectrum plot's y axis.
import type { BipCube } from '@hsrkit/hsi-data';
import { type CubeMask, isMissing } from './cube-mask.js';
import type { Pin } from './store.js';

/**
 * The y axis' label: the header's own name for the values (`z plot titles`' second entry, or
 * `data units`), the reflectance scale factor when there is one, else "value (as stored)".
 */
export function valueLabel(cube: Pick<BipCube, 'metadata' | 'scaleFactor'>): string {
  const meta = cube.metadata ?? {};
  const z = meta['z plot titles'];
  const zTitle = Array.isArray(z) ? z[1] : undefined;
  const units = typeof meta['data units'] === 'string' ? meta['data units'] : undefined;
  const name = zTitle?.trim() || units?.trim();
  const scale = cube.scaleFactor ? `reflectance x ${cube.scaleFactor}` : undefined;
  if (name && scale) return `${name} (${scale})`;
  return name ?? scale ?? 'value (as stored)';
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A pin's name: the pixel, or the region a mean is taken over. */
export function pinLabel(p: Pin): string {
  const rows = p.rows ?? 1;
  const cols = p.cols ?? 1;
  return rows === 1 && cols === 1
    ? `row ${p.row} col ${p.col}`
    : `mean rows ${p.row}-${p.row + rows - 1} cols ${p.col}-${p.col + cols - 1}`;
}

/**
 * The pin's spectrum: the pixel's values, or per band the mean of the region's valid samples;
 * NaN where there is none (no-data, a bad band).
 */
export function pinSpectrum(cube: BipCube, mask: CubeMask, p: Pin): Float64Array {
  const out = new Float64Array(cube.bands);
  for (let b = 0; b < cube.bands; b++) {
    let sum = 0;
    let n = 0;
    if (!mask.badBands[b])
      for (let r = p.row; r < p.row + (p.rows ?? 1); r++)
        for (let c = p.col; c < p.col + (p.cols ?? 1); c++) {
          const v = cube.data[(r * cube.cols + c) * cube.bands + b];
          if (!isMissing(v, mask.noDataValue)) {
            sum += v;
            n++;
          }
        }
    out[b] = n ? sum / n : Number.NaN;
  }
  return out;
}

export function spectraCsv(cube: BipCube, mask: CubeMask, pins: Pin[]): string {
  const units = cube.wavelengthUnits ? ` (${cube.wavelengthUnits})` : '';
  const head = ['band', `wavelength${units}`, ...pins.map(pinLabel)];
  const spectra = pins.map((p) => pinSpectrum(cube, mask, p));
  const lines = [head.map(csvCell).join(',')];
  for (let b = 0; b < cube.bands; b++) {
    const cells = [String(b), cube.wavelengths ? String(cube.wavelengths[b]) : ''];
    for (const s of spectra) cells.push(Number.isFinite(s[b]) ? String(s[b]) : '');
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
