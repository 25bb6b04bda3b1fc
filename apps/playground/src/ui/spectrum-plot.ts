// Spectra as a small SVG line chart: value against wavelength (or band number).
import type { BipImage } from '@hsrkit/hsi-data';

/** The spectrum of one pixel of a BIP cube. */
export function spectrumAt(cube: BipImage, row: number, col: number): Float32Array {
  const at = (row * cube.cols + col) * cube.bands;
  return cube.data.slice(at, at + cube.bands);
}

export interface Series {
  label: string;
  color: string;
  values: ArrayLike<number>;
  /** SVG stroke-dasharray, e.g. '5 3'. */
  dash?: string;
}

export interface SpectrumPlotOptions {
  wavelengths?: number[];
  units?: string;
  width?: number;
  height?: number;
  title?: string;
  /** The y axis' label: what the values are, in which units. */
  yLabel?: string;
  /** Bands that are not data (bbl = 0, all no-data): shaded, and their values are not drawn. */
  masked?: ArrayLike<unknown>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function spectrumSvg(series: Series[], opts: SpectrumPlotOptions = {}): string {
  const W = opts.width ?? 420;
  const H = opts.height ?? 240;
  const m = {
    l: opts.yLabel ? 70 : 56,
    r: 12,
    t: opts.title ? 24 : 10,
    b: 40 + 16 * Math.ceil(series.length / 3),
  };
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const xs = Array.from({ length: n }, (_, i) => opts.wavelengths?.[i] ?? i + 1);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series)
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (Number.isFinite(v) && !opts.masked?.[i]) {
        y0 = Math.min(y0, v);
        y1 = Math.max(y1, v);
      }
    }
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="#fff" stroke="#ccd"/>`,
  ];
  // Bad bands: a grey bar each, half way to the neighbours.
  if (opts.masked)
    for (let i = 0; i < n; i++) {
      if (!opts.masked[i]) continue;
      const a = px(i > 0 ? (xs[i - 1] + xs[i]) / 2 : xs[i]);
      const b = px(i < n - 1 ? (xs[i] + xs[i + 1]) / 2 : xs[i]);
      parts.push(
        `<rect class="masked-band" x="${a.toFixed(1)}" y="${m.t}" width="${Math.max(1, b - a).toFixed(1)}" height="${H - m.t - m.b}" fill="#e4e6ea"/>`,
      );
    }
  if (opts.title) parts.push(`<text x="${m.l}" y="16" font-weight="600">${esc(opts.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    const y = py(t).toFixed(1);
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#eef"/>`,
      `<text x="${m.l - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(t.toLocaleString('en-US', { maximumSignificantDigits: 4 }))}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1, 6)) {
    const x = px(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#557"/>`,
      `<text x="${x}" y="${H - m.b + 15}" text-anchor="middle">${t}</text>`,
    );
  }
  const xLabel = opts.wavelengths ? `wavelength${opts.units ? ` (${opts.units})` : ''}` : 'band';
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 30}" text-anchor="middle" fill="#445">${esc(xLabel)}</text>`,
  );
  if (opts.yLabel)
    parts.push(
      `<text transform="translate(12 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" fill="#445">${esc(opts.yLabel)}</text>`,
    );
  series.forEach((s, k) => {
    // One line per run of values (no-data and masked bands break it); a lone value is a dot.
    const runs: string[][] = [[]];
    for (let i = 0; i < s.values.length; i++)
      if (Number.isFinite(s.values[i]) && !opts.masked?.[i])
        runs[runs.length - 1].push(`${px(xs[i]).toFixed(1)},${py(s.values[i]).toFixed(1)}`);
      else if (runs[runs.length - 1].length) runs.push([]);
    for (const pts of runs) {
      if (pts.length === 1) {
        const [cx, cy] = pts[0].split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="1.8" fill="${s.color}"/>`);
      } else if (pts.length > 1)
        parts.push(
          `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${pts.join(' ')}"/>`,
        );
    }
    const lx = m.l + (k % 3) * ((W - m.l - m.r) / 3);
    const ly = H - m.b + 44 + 16 * Math.floor(k / 3);
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${lx + 22}" y="${ly}">${esc(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
