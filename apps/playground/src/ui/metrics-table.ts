import { METRIC_INFO, METRIC_NAMES, type MetricName, type MetricReport } from '@hsrkit/hsi-data';
import { fmt, h } from './dom.js';

/** Digits shown per metric (the names, labels, units and better direction are hsi-data's). */
const DIGITS: Record<MetricName, number> = { mpsnr: 3, mssim: 4, sam: 3, ergas: 3, cc: 5, rmse: 2 };

const COLUMNS = METRIC_NAMES.map((k) => {
  const { label, unit, better } = METRIC_INFO[k];
  return [k, unit ? `${label} (${unit})` : label, DIGITS[k], better] as const;
});

/** Rows of metrics side by side; the better value of each column is bold. */
export function metricsTable(rows: [string, MetricReport][]): HTMLTableElement {
  const best = COLUMNS.map(([k, , , dir]) => {
    const vals = rows.map(([, m]) => m[k] as number);
    return dir === 'higher' ? Math.max(...vals) : Math.min(...vals);
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
