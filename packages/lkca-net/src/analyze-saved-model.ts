import { checkOutputPaths, writeFileAtomic } from '@hsrkit/hsi-data/node';
import { loadModel, modelBands, savedModelFiles } from '@hsrkit/inference/node';
import {
  analyzeModel,
  type LayerShare,
  type ModelAnalysis,
  plotSpectrumSvg,
} from '@hsrkit/lowrank';

export interface SavedModelAnalysisOptions {
  /** LR input rows and columns the MACs are counted for. */
  size: [number, number];
  /** Only this layer (it must have weights). */
  layer?: string;
  /**
   * Write the singular-value plot of the upsamplers (or of `layer`) here, as SVG (atomically; never
   * over one of the model's own files, a folder or a symbolic link: checked before the analysis).
   */
  plotFile?: string;
}

export interface SavedModelAnalysis {
  analysis: ModelAnalysis;
  /** The analysed layers: all layers with weights, or just `layer`. */
  layers: LayerShare[];
}

/**
 * @hsrkit/lowrank's analysis of ANY saved TF.js model: every conv/dense layer's share of the
 * params, MACs and singular values, upsamplers found; optionally the spectrum plot of the
 * upsamplers (of the first three analysed layers when there is none).
 */
export async function analyzeSavedModel(
  modelPath: string,
  opts: SavedModelAnalysisOptions,
): Promise<SavedModelAnalysis> {
  if (opts.plotFile) await checkOutputPaths(opts.plotFile, await savedModelFiles(modelPath));
  const model = await loadModel(modelPath);
  try {
    const analysis = await analyzeModel(model, {
      inputShape: [...opts.size, modelBands(model)],
      spectra: 'all',
    });
    const layers = opts.layer
      ? analysis.layers.filter((l) => l.layer === opts.layer)
      : analysis.layers;
    if (opts.layer && !layers.length)
      throw new RangeError(
        `${modelPath}: no layer '${opts.layer}' with weights; layers: ${analysis.layers.map((l) => l.layer).join(', ')}`,
      );
    if (opts.plotFile) {
      const spectra = layers.filter((l) => l.analysis);
      const chosen = spectra.filter((l) => opts.layer || l.isUpsampler);
      const svg = plotSpectrumSvg(
        (chosen.length ? chosen : spectra.slice(0, 3)).map((l) => l.analysis!),
      );
      await writeFileAtomic(opts.plotFile, new TextEncoder().encode(svg));
    }
    return { analysis, layers };
  } finally {
    model.dispose();
  }
}
