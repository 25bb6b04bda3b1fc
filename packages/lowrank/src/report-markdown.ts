import type { ConversionReport } from './convert.js';

function n(v: number | null): string {
  if (v === null) return 'n/a';
  return v.toLocaleString('en-US');
}

/** The conversion report as a markdown table (per layer, then the model totals and errors). */
export function conversionReportMarkdown(report: ConversionReport): string {
  const lines = [
    '| layer | class | method | rank / full | energy kept | params before | params after | MACs before | MACs after |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const l of report.layers) {
    const rank =
      l.method === 'svd'
        ? `${l.rank} / ${l.fullRank}${l.groups > 1 ? ` (x${l.groups} groups)` : ''}${l.form === 'spatial' ? ' spatial' : ''}`
        : `${l.groups} groups`;
    lines.push(
      `| ${l.layer} | ${l.className} | ${l.method} | ${rank} | ${(100 * l.retainedEnergy).toFixed(2)} % | ${n(l.paramsBefore)} | ${n(l.paramsAfter)} | ${n(l.macsBefore)} | ${n(l.macsAfter)} |`,
    );
  }
  lines.push(
    `| **model** | | | | | ${n(report.paramsBefore)} | ${n(report.paramsAfter)} | ${n(report.macsBefore)} | ${n(report.macsAfter)} |`,
  );
  if (report.output)
    for (const o of report.output)
      lines.push(
        '',
        `Output ${o.output} (${o.layer}): PSNR ${o.psnr.toFixed(2)} dB (peak ${o.peak.toPrecision(4)}), max abs error ${o.maxAbs.toExponential(3)}.`,
      );
  return lines.join('\n');
}
