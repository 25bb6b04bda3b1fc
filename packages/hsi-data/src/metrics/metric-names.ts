// The six numbers `computeMetrics` reports, named once for every report, table and check.

/** The metrics `computeMetrics` reports, in the order tables list them. */
export const METRIC_NAMES = ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const;

/** One of `METRIC_NAMES`. */
export type MetricName = (typeof METRIC_NAMES)[number];

/** How to show a metric: its label, its unit ('' for none) and which way is better. */
export const METRIC_INFO: Readonly<
  Record<MetricName, { label: string; unit: string; better: 'higher' | 'lower' }>
> = {
  mpsnr: { label: 'MPSNR', unit: 'dB', better: 'higher' },
  mssim: { label: 'MSSIM', unit: '', better: 'higher' },
  sam: { label: 'SAM', unit: 'deg', better: 'lower' },
  ergas: { label: 'ERGAS', unit: '', better: 'lower' },
  cc: { label: 'CC', unit: '', better: 'higher' },
  rmse: { label: 'RMSE', unit: '', better: 'lower' },
};
