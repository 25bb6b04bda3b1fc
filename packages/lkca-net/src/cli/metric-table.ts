// How the CLI shows the SR metrics of hsi-data's computeMetrics: JSON keys and table columns.
import { METRIC_INFO, METRIC_NAMES, type MetricName, type MetricReport } from '@hsrkit/hsi-data';
import { table } from './output.js';

/** A metric's table heading: its label and unit, e.g. 'MPSNR (dB)'. */
const heading = (k: MetricName) =>
  `${METRIC_INFO[k].label}${METRIC_INFO[k].unit ? ` (${METRIC_INFO[k].unit})` : ''}`;

/** The metrics of a report, as the JSON output carries them. */
export function metricValues(m: MetricReport): Record<MetricName, number> {
  return Object.fromEntries(METRIC_NAMES.map((k) => [k, m[k]])) as Record<MetricName, number>;
}

/** A table with one row per labelled report and one column per metric. */
export function metricTable(rows: [label: string, report: MetricReport][]): string {
  return table([
    ['', ...METRIC_NAMES.map(heading)],
    ...rows.map(([label, m]) => [label, ...METRIC_NAMES.map((k) => m[k])]),
  ]);
}

/** One metric per row: the table of a single report. */
export function metricColumn(m: MetricReport): string {
  return table([['metric', 'value'], ...METRIC_NAMES.map((k) => [heading(k), m[k]])]);
}
