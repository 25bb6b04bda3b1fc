import type { LayerAnalysis, RankAtEnergy } from './analyze-layer.js';

export interface PlotOptions {
  title?: string;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/** `s` as SVG text or attribute content. */
function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => XML_ENTITIES[c]);
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/**
 * An SVG plot of one or more layer spectra: singular values divided by the largest, on a log
 * axis (left), so the long tail shows, and the cumulative energy (right axis, dashed), with the
 * ranks at the analysis' energy thresholds and the knee marked.
 */
export function plotSpectrumSvg(
  analyses: LayerAnalysis | readonly LayerAnalysis[],
  options: PlotOptions = {},
): string {
  const list = Array.isArray(analyses) ? analyses : [analyses as LayerAnalysis];
  if (list.length === 0) throw new RangeError('plotSpectrumSvg needs at least one analysis');
  const W = options.width ?? 760;
  const H = options.height ?? 400 + 16 * list.length;
  const m = { l: 70, r: 70, t: 48, b: 60 + 16 * list.length };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const maxRank = Math.max(...list.map((a) => a.singularValues.length));
  // Log axis from the smallest positive normalised value (floored at 1e-6) to 1.
  let minLog = 0;
  for (const a of list) {
    const s0 = a.singularValues[0] || 1;
    for (const v of a.singularValues)
      if (v > 0) minLog = Math.min(minLog, Math.log10(Math.max(v / s0, 1e-6)));
  }
  minLog = Math.floor(minLog);
  if (minLog === 0) minLog = -1;
  const x = (rank: number) => m.l + ((rank - 1) / Math.max(maxRank - 1, 1)) * pw;
  const yLog = (v: number) => m.t + (Math.log10(v) / minLog) * ph;
  const yLin = (e: number) => m.t + (1 - e) * ph;
  const title =
    options.title ??
    (list.length === 1
      ? `${list[0].layer} (${list[0].className}): ${list[0].reshape}`
      : 'Singular value spectra');
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  );
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  // Axes and grid.
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
  );
  for (let d = 0; d >= minLog; d--) {
    const y = yLog(10 ** d);
    parts.push(
      `<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">1e${d}</text>`,
    );
  }
  for (const e of [0, 0.25, 0.5, 0.75, 1]) {
    const y = yLin(e);
    parts.push(`<text x="${m.l + pw + 6}" y="${y + 4}">${e.toFixed(2)}</text>`);
  }
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const r = Math.round(1 + ((maxRank - 1) * i) / ticks);
    parts.push(`<text x="${x(r)}" y="${m.t + ph + 16}" text-anchor="middle">${r}</text>`);
  }
  parts.push(
    `<text x="${m.l + pw / 2}" y="${m.t + ph + 34}" text-anchor="middle">rank (singular value index)</text>`,
    `<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">singular value / largest (log)</text>`,
    `<text transform="translate(${W - 14} ${m.t + ph / 2}) rotate(90)" text-anchor="middle">cumulative energy (dashed)</text>`,
  );
  const legend: string[] = [];
  list.forEach((a, k) => {
    const color = COLORS[k % COLORS.length];
    const s0 = a.singularValues[0] || 1;
    const sv: string[] = [];
    a.singularValues.forEach((v: number, i: number) => {
      const n = Math.max(v / s0, 10 ** minLog);
      sv.push(`${x(i + 1).toFixed(1)},${yLog(n).toFixed(1)}`);
    });
    const en: string[] = [];
    a.energy.forEach((e: number, i: number) => {
      en.push(`${x(i + 1).toFixed(1)},${yLin(e).toFixed(1)}`);
    });
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${sv.join(' ')}"/>`,
      `<polyline fill="none" stroke="${color}" stroke-width="1.4" stroke-dasharray="5 3" points="${en.join(' ')}"/>`,
    );
    for (const r of a.ranks as RankAtEnergy[]) {
      const px = x(r.rank);
      parts.push(
        `<line x1="${px}" y1="${m.t}" x2="${px}" y2="${m.t + ph}" stroke="${color}" stroke-opacity="0.45" stroke-dasharray="2 3"/>`,
        `<circle cx="${px}" cy="${yLin(a.energy[r.rank - 1])}" r="3" fill="${color}"/>`,
        `<text x="${px + 3}" y="${yLin(a.energy[r.rank - 1]) + 14 + k * 12}" fill="${color}" font-size="10">${fmt(r.energy)}: r=${r.rank}</text>`,
      );
    }
    const kx = x(a.knee);
    parts.push(
      `<path d="M${kx - 5},${yLin(a.energy[a.knee - 1]) - 5} l10,10 m0,-10 l-10,10" stroke="${color}" stroke-width="2"/>`,
    );
    const ranks = (a.ranks as RankAtEnergy[])
      .map((r) => `r(${fmt(r.energy)})=${r.rank}`)
      .join(', ');
    legend.push(
      `<text x="${m.l}" y="${m.t + ph + 54 + k * 16}" fill="${color}">${esc(a.layer)}: ${a.matrixShape[0]}x${a.matrixShape[1]}${a.blocks > 1 ? ` x${a.blocks} groups` : ''}, full rank ${a.fullRank}, ${esc(ranks)}, knee ${a.knee} (x)</text>`,
    );
  });
  parts.push(...legend, '</svg>');
  return parts.join('\n');
}
