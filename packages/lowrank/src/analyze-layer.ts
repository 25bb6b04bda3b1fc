import type * as tf from '@tensorflow/tfjs';
import { layerMacs } from './cost.js';
import { LowRankAnalysisError } from './errors.js';
import { describeKernelLayer, type KernelLayerInfo, type KernelLayerKind } from './kernel-layer.js';
import { type MatrixForm, kernelMatrices } from './kernel-matrix.js';
import { cumulativeEnergy, kneeRank, rankForEnergy, singularValues } from './spectrum.js';

export const DEFAULT_ENERGIES: readonly number[] = [0.9, 0.95, 0.99];

export interface AnalyzeLayerOptions {
  /** Matrix layout of the kernel (see `MatrixForm`); default 'flat'. */
  form?: MatrixForm;
  /** Energy thresholds to report ranks for; default [0.9, 0.95, 0.99]. */
  energies?: readonly number[];
  /** The layer's input shape without the batch axis (e.g. [H, W, Cin]), for MACs and FLOPs.
   * Defaults to the layer's own input shape when that is fully known. */
  inputShape?: readonly number[];
}

export interface RankAtEnergy {
  energy: number;
  rank: number;
  /** Params of the 'svd' replacement at that rank (null for depthwise layers, which are not
   * converted). */
  params: number | null;
}

export interface LayerAnalysis {
  layer: string;
  className: string;
  kind: KernelLayerKind;
  kernelShape: number[];
  form: MatrixForm;
  /** Shape of the matrix (of one block, for grouped layers). */
  matrixShape: [number, number];
  /** Number of blocks: the groups of a grouped conv, else 1. */
  blocks: number;
  /** The reshape in words. */
  reshape: string;
  /** Largest first. For a grouped conv, entry i is the root-mean-square over groups of each
   * group's i-th singular value, so `energy` is exactly the energy that rank i+1 in every group
   * keeps. */
  singularValues: Float64Array;
  /** Per-group spectra of a grouped conv. */
  groupSingularValues?: Float64Array[];
  /** Cumulative energy: energy[i] = share of the squared Frobenius norm kept by rank i+1. */
  energy: Float64Array;
  fullRank: number;
  ranks: RankAtEnergy[];
  /** Knee of the energy curve (see `kneeRank`). */
  knee: number;
  /** Params of the layer as it is. */
  params: number;
  /** Input shape used for MACs (without batch), when known. */
  inputShape: number[] | null;
  /** Multiply-accumulates per sample at `inputShape` (null when the shape is unknown). */
  macs: number | null;
  /** 2 x macs. */
  flops: number | null;
}

function kernelInfoOrThrow(layer: tf.layers.Layer): KernelLayerInfo {
  const info = describeKernelLayer(layer);
  if (!info)
    throw new LowRankAnalysisError(
      `layer '${layer.name}' (${layer.getClassName()}) has no kernel this package can analyse: ` +
        'expected Conv2D, Dense, Conv2DTranspose, DepthwiseConv2D, HsrkitDilatedDepthwiseConv2D or ' +
        'HsrkitGroupedConv2D (built, i.e. with weights)',
      layer.name,
    );
  return info;
}

/**
 * Params of the 'svd' replacement of a layer at rank r (per group for grouped convs):
 * `r * g * (rows + cols) + bias`, i.e. `r*(k*k*Cin) + r*Cout + Cout` for a k x k Conv2D with bias
 * in the flat form, `r*(kh*Cin) + r*(kw*Cout) + Cout` in the spatial form.
 */
export function svdParams(
  info: Pick<KernelLayerInfo, 'kind' | 'kh' | 'kw' | 'cin' | 'cout' | 'groups' | 'bias'>,
  rank: number,
  form: MatrixForm = 'flat',
): number {
  const g = info.kind === 'grouped' ? info.groups : 1;
  const rows = form === 'flat' ? info.kh * info.kw * (info.cin / g) : info.kh * (info.cin / g);
  const cols = form === 'flat' ? info.cout / g : info.kw * (info.cout / g);
  return rank * g * (rows + cols) + (info.bias ? info.cout : 0);
}

function knownInputShape(layer: tf.layers.Layer): number[] | null {
  const nodes = (layer as unknown as { inboundNodes?: { inputTensors: tf.SymbolicTensor[] }[] })
    .inboundNodes;
  const t = nodes?.[0]?.inputTensors?.[0];
  if (!t) return null;
  const rest = t.shape.slice(1);
  return rest.every((d) => typeof d === 'number') ? (rest as number[]) : null;
}

/**
 * Spectrum analysis of one layer's kernel: singular values (ml-matrix SVD), cumulative energy,
 * ranks at energy thresholds, knee, params, and MACs/FLOPs at an input size.
 */
export async function analyzeLayer(
  layer: tf.layers.Layer,
  options: AnalyzeLayerOptions = {},
): Promise<LayerAnalysis> {
  const info = kernelInfoOrThrow(layer);
  const form = options.form ?? 'flat';
  const energies = options.energies ?? DEFAULT_ENERGIES;
  for (const e of energies)
    if (!(e > 0 && e <= 1))
      throw new LowRankAnalysisError(
        `${layer.name}: energy thresholds must be in (0, 1], got ${e}`,
        layer.name,
      );
  const values = await info.kernel.read().data();
  const mats = kernelMatrices(info, values, form);
  const spectra = mats.blocks.map((b) => singularValues(b));
  const fullRank = Math.min(mats.rows, mats.cols);
  let s: Float64Array;
  if (spectra.length === 1) s = spectra[0];
  else {
    s = new Float64Array(fullRank);
    for (let i = 0; i < fullRank; i++) {
      let acc = 0;
      for (const sp of spectra) acc += sp[i] * sp[i];
      s[i] = Math.sqrt(acc / spectra.length);
    }
  }
  const energy = cumulativeEnergy(s);
  const convertible = info.kind !== 'depthwise';
  const ranks = energies.map((e) => {
    const rank = rankForEnergy(energy, e);
    return { energy: e, rank, params: convertible ? svdParams(info, rank, form) : null };
  });
  const inputShape = options.inputShape ? [...options.inputShape] : knownInputShape(layer);
  const config = layer.getConfig() as Record<string, unknown>;
  const macs = inputShape ? layerMacs(info, inputShape, config) : null;
  return {
    layer: info.name,
    className: info.className,
    kind: info.kind,
    kernelShape: info.kernelShape,
    form,
    matrixShape: [mats.rows, mats.cols],
    blocks: mats.blocks.length,
    reshape: mats.reshape,
    singularValues: s,
    ...(spectra.length > 1 ? { groupSingularValues: spectra } : {}),
    energy,
    fullRank,
    ranks,
    knee: kneeRank(energy),
    params: info.params,
    inputShape,
    macs,
    flops: macs === null ? null : 2 * macs,
  };
}
