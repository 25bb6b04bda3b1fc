import type * as tf from '@tensorflow/tfjs';
import { type AnalyzeLayerOptions, type LayerAnalysis, analyzeLayer } from './analyze-layer.js';
import { layerMacs } from './cost.js';
import { findUpsamplers, type Upsampler } from './find-upsamplers.js';
import { describeKernelLayer, layerParams } from './kernel-layer.js';
import { modelGraph } from './model-graph.js';
import { type InputShapes, layerInputShapes } from './shapes.js';

export interface AnalyzeModelOptions extends Omit<AnalyzeLayerOptions, 'inputShape'> {
  /** Model input shape without batch ([H, W, C], or one per input), for MACs and FLOPs. */
  inputShape?: readonly number[] | InputShapes;
  /** Which layers get a spectrum: 'all' kernel layers (default), only the 'upsamplers', or
   * 'none' (params and MACs only). */
  spectra?: 'all' | 'upsamplers' | 'none';
}

export interface LayerShare {
  layer: string;
  className: string;
  params: number;
  /** params / total params of the model. */
  share: number;
  /** MACs per sample (null when not a kernel layer or the input size is unknown). */
  macs: number | null;
  isUpsampler: boolean;
  analysis: LayerAnalysis | null;
}

export interface ModelAnalysis {
  model: string;
  totalParams: number;
  /** Sum of the MACs of the kernel layers whose MACs are known. */
  totalMacs: number;
  /** Layers with weights whose MACs this package cannot count (e.g. composite custom layers). */
  uncountedLayers: string[];
  /** Every layer with weights, largest share of params first. */
  layers: LayerShare[];
  upsamplers: Upsampler[];
  /** Share of the model's params held by the upsamplers. */
  upsamplerShare: number;
}

/**
 * Ranks every layer by its share of params, finds the upsamplers, and analyses kernel spectra.
 */
export async function analyzeModel(
  model: tf.LayersModel,
  options: AnalyzeModelOptions = {},
): Promise<ModelAnalysis> {
  const graph = modelGraph(model);
  const upsamplers = findUpsamplers(graph);
  const upNames = new Set(upsamplers.map((u) => u.layer));
  const shapes = layerInputShapes(model, options.inputShape);
  const spectra = options.spectra ?? 'all';
  let totalParams = 0;
  let totalMacs = 0;
  const uncounted: string[] = [];
  const rows: LayerShare[] = [];
  for (const layer of model.layers) {
    const params = layerParams(layer);
    totalParams += params;
    if (params === 0) continue;
    const info = describeKernelLayer(layer);
    const shape = shapes.get(layer.name);
    let macs: number | null = null;
    if (info && shape) {
      macs = layerMacs(info, shape, layer.getConfig() as Record<string, unknown>);
      totalMacs += macs;
    } else uncounted.push(layer.name);
    const wantSpectrum =
      info && (spectra === 'all' || (spectra === 'upsamplers' && upNames.has(layer.name)));
    const analysis = wantSpectrum
      ? await analyzeLayer(layer, {
          form: options.form,
          energies: options.energies,
          inputShape: shape,
        })
      : null;
    rows.push({
      layer: layer.name,
      className: layer.getClassName(),
      params,
      share: 0,
      macs,
      isUpsampler: upNames.has(layer.name),
      analysis,
    });
  }
  for (const r of rows) r.share = totalParams > 0 ? r.params / totalParams : 0;
  rows.sort((a, b) => b.params - a.params);
  const upParams = rows.filter((r) => r.isUpsampler).reduce((a, r) => a + r.params, 0);
  return {
    model: model.name,
    totalParams,
    totalMacs,
    uncountedLayers: uncounted,
    layers: rows,
    upsamplers,
    upsamplerShare: totalParams > 0 ? upParams / totalParams : 0,
  };
}
