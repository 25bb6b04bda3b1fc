// Public API of @hsrkit/lowrank: SVD analysis of conv/dense kernels and low-rank conversion of
// any TF.js LayersModel (upsamplers first), with a report.
export * from './errors.js';
export { type KernelLayerInfo, type KernelLayerKind, describeKernelLayer } from './kernel-layer.js';
export { type KernelMatrices, type MatrixForm, kernelMatrices } from './kernel-matrix.js';
export { cumulativeEnergy, kneeRank, rankForEnergy, singularValues } from './spectrum.js';
export { convOutputLength, deconvOutputLength, layerMacs } from './cost.js';
export {
  type AnalyzeLayerOptions,
  DEFAULT_ENERGIES,
  type LayerAnalysis,
  type RankAtEnergy,
  analyzeLayer,
  svdParams,
} from './analyze-layer.js';
export {
  type AnalyzeModelOptions,
  type LayerShare,
  type ModelAnalysis,
  analyzeModel,
} from './analyze-model.js';
export {
  type Upsampler,
  type UpsamplerPattern,
  findUpsamplers,
  isShuffleClass,
} from './find-upsamplers.js';
export { type PlotOptions, plotSpectrumSvg } from './plot.js';
export type { ConversionMethod, ConversionPlan, LayerPlan } from './plan.js';
export {
  type ConversionOutcome,
  type ConversionReport,
  type ConversionResult,
  type ConvertOptions,
  FIRST_LAYER_SUFFIX,
  type LayerConversion,
  lowRankConvert,
} from './convert.js';
export { type GainComparison, NOMINAL_INPUT_SIDE } from './factorization-gain.js';
export { type OutputError, outputError } from './output-error.js';
export { conversionReportMarkdown } from './report-markdown.js';
