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
    const planned =
      l.method === 'svd'
        ? `${l.rank} / ${l.fullRank}${l.groups > 1 ? ` (x${l.groups} groups)` : ''}${l.form === 'spatial' ? ' spatial' : ''}`
        : `${l.groups} groups`;
    const kept = l.outcome === 'no-gain';
    const rank = kept ? `${planned}, kept (no gain)` : planned;
    // A kept layer keeps all its energy; the factorization's share stays in the report.
    const energy = kept ? 1 : l.retainedEnergy;
    lines.push(
      `| ${l.layer} | ${l.className} | ${l.method} | ${rank} | ${(100 * energy).toFixed(2)} % | ${n(l.paramsBefore)} | ${n(l.paramsAfter)} | ${n(l.macsBefore)} | ${n(l.macsAfter)} |`,
    );
  }
  lines.push(
    `| **model** | | | | | ${n(report.paramsBefore)} | ${n(report.paramsAfter)} | ${n(report.macsBefore)} | ${n(report.macsAfter)} |`,
  );
  for (const l of report.layers)
    if (l.outcome === 'no-gain') {
      const c = l.comparison;
      const at = `${c.macsInputShape.join('x')}${c.nominalInputShape ? ' (nominal)' : ''}`;
      lines.push(
        '',
        `${l.layer}: no gain, kept as it was. Its factorization has ${n(c.paramsFactorized)} params and ${n(c.macsFactorized)} MACs, the layer ${n(c.paramsOriginal)} params and ${n(c.macsOriginal)} MACs (MACs per sample at input ${at}).`,
      );
    }
  if (report.output)
    for (const o of report.output)
      lines.push(
        '',
        `Output ${o.output} (${o.layer}): PSNR ${o.psnr.toFixed(2)} dB (peak ${o.peak.toPrecision(4)}), max abs error ${o.maxAbs.toExponential(3)}.`,
      );
  return lines.join('\n');
}
