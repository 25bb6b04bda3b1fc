// Metrics of a reconstruction against its ground truth, under named conventions.
export { METRIC_INFO, METRIC_NAMES, type MetricName } from './metric-names.js';
export {
  cc,
  computeMetrics,
  ergas,
  type MetricOptions,
  type MetricReport,
  metricsOfImages,
  mpsnr,
  mssim,
  rmse,
  sam,
  spectralAngle,
  spectralAngleOfImages,
} from './metrics.js';
export {
  type SpectralAngleMap,
  type SpectralAngleMapOptions,
  spectralAngleMap,
} from './spectral-angle-map.js';
export { METRIC_PRESETS, type MetricPreset, type PresetRules } from './presets.js';
export { SSIM_GAUSSIAN_11, SSIM_UNIFORM_7, SsimPlanes, type SsimWindow } from './ssim.js';
