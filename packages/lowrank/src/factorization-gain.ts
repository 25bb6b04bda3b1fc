import type * as tf from '@tensorflow/tfjs';
import { layerMacs, layerOutputShape } from './cost.js';
import type { Replacement } from './factorize.js';
import { type KernelLayerInfo, kernelDims, kernelKindOf } from './kernel-layer.js';

/**
 * Side of the square a spatial layer input is measured at when the model leaves it open (a
 * fully convolutional model, no `inputShape` or calibration batch). Conv MACs grow with the
 * input area for the layer and its replacement alike, so which of the two is cheaper does not
 * depend on it (up to 'valid' borders).
 */
export const NOMINAL_INPUT_SIDE = 64;

/** Params and MACs of a planned layer and of the factorization built for it. */
export interface GainComparison {
  paramsOriginal: number;
  paramsFactorized: number;
  /** Multiply-accumulates per sample at `macsInputShape`. */
  macsOriginal: number;
  macsFactorized: number;
  /** The layer input shape (without batch) the MACs are counted at. */
  macsInputShape: number[];
  /** True when the model does not fix that shape and open dimensions were set to 64. */
  nominalInputShape: boolean;
}

/**
 * True when swapping the layer pays: the factorization has neither more params nor more MACs
 * than the layer, and fewer of at least one. Anything else is "no gain" and the layer is kept.
 */
export function hasGain(c: GainComparison): boolean {
  const notWorse = c.paramsFactorized <= c.paramsOriginal && c.macsFactorized <= c.macsOriginal;
  return notWorse && (c.paramsFactorized < c.paramsOriginal || c.macsFactorized < c.macsOriginal);
}

/** The input shape (without batch) of the layer's first call, open dimensions set nominal. */
function inputShapeOf(
  layer: tf.layers.Layer,
  known: number[] | undefined,
): { shape: number[]; nominal: boolean } {
  if (known) return { shape: known, nominal: false };
  const nodes = (layer as unknown as { inboundNodes: { inputTensors: tf.SymbolicTensor[] }[] })
    .inboundNodes;
  const declared = nodes[0].inputTensors[0].shape.slice(1);
  return { shape: declared.map((d) => d ?? NOMINAL_INPUT_SIDE), nominal: true };
}

/** MACs of the replacement's layers called in order on `inputShape`. */
function replacementMacs(rep: Replacement, inputShape: readonly number[]): number {
  let shape = [...inputShape];
  let total = 0;
  for (const l of rep.layers) {
    const kind = kernelKindOf(l.className);
    if (!kind) continue; // an Activation: no MACs, same shape
    const geometry = {
      kind,
      ...kernelDims(kind, l.weights.kernel.shape, Number(l.config.groups ?? 1)),
    };
    const config = l.config as Record<string, unknown>;
    total += layerMacs(geometry, shape, config);
    shape = layerOutputShape(geometry, shape, config);
  }
  return total;
}

/**
 * Compares a layer with its replacement: params (every weight) and MACs at the layer's input
 * shape `knownInputShape` (from the model or the caller), or at a nominal one.
 */
export function compareWithReplacement(
  layer: tf.layers.Layer,
  info: KernelLayerInfo,
  rep: Replacement,
  knownInputShape: number[] | undefined,
): GainComparison {
  const { shape, nominal } = inputShapeOf(layer, knownInputShape);
  let paramsFactorized = 0;
  for (const l of rep.layers)
    for (const w of Object.values(l.weights)) paramsFactorized += w.values.length;
  return {
    paramsOriginal: info.params,
    paramsFactorized,
    macsOriginal: layerMacs(info, shape, layer.getConfig() as Record<string, unknown>),
    macsFactorized: replacementMacs(rep, shape),
    macsInputShape: shape,
    nominalInputShape: nominal,
  };
}
