import type { MetricReport } from '@hsrkit/hsi-data';
import { fmt, h } from './dom.js';

const COLUMNS: [keyof MetricReport, string, number, 'high' | 'low'][] = [
  ['mpsnr', 'MPSNR (dB)', 3, 'high'],
  ['mssim', 'MSSIM', 4, 'high'],
  ['sam', 'SAM (deg)', 3, 'low'],
  ['ergas', 'ERGAS', 3, 'low'],
  ['cc', 'CC', 5, 'high'],
  ['rmse', 'RMSE', 2, 'low'],
];

/** Rows of metrics side by side; the better value of each column is bold. */
export function metricsTable(rows: [string, MetricReport][]): HTMLTableElement {
  const best = COLUMNS.map(([k, , , dir]) => {
    const vals = rows.map(([, m]) => m[k] as number);
    return dir === 'high' ? Math.max(...vals) : Math.min(...vals);
  });
  return h(
    'table',
    { class: 'metrics' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), ...COLUMNS.map(([, label]) => h('th', {}, label)))),
    h(
      'tbody',
      {},
      ...rows.map(([name, m]) =>
        h(
          'tr',
          { 'data-row': name },
          h('th', {}, name),
          ...COLUMNS.map(([k, , digits], i) => {
            const v = m[k] as number;
            return h('td', { class: v === best[i] ? 'best' : '' }, fmt(v, digits));
          }),
        ),
      ),
    ),
  );
}
