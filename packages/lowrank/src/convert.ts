import type * as tf from '@tensorflow/tfjs';
import { layerMacs } from './cost.js';
import { buildReplacement, type Replacement } from './factorize.js';
import { compareWithReplacement, type GainComparison, hasGain } from './factorization-gain.js';
import { describeKernelLayer, layerParams, modelParams } from './kernel-layer.js';
import type { MatrixForm } from './kernel-matrix.js';
import { type OutputError, outputError } from './output-error.js';
import {
  type ConversionMethod,
  type ConversionPlan,
  type ResolvedLayerPlan,
  resolvePlan,
} from './plan.js';
import { rewriteModel } from './rewrite-model.js';
import { type InputShapes, layerInputShapes } from './shapes.js';

export interface ConvertOptions {
  /** A batch to run both models on; the report then gives PSNR and max abs error per output. */
  calibration?: tf.Tensor | tf.Tensor[];
  /** Peak value for PSNR (default: the original output's max - min on the calibration batch). */
  peak?: number;
  /** Model input shape without batch, for MACs (default: the calibration batch's shape). */
  inputShape?: readonly number[] | InputShapes;
}

/**
 * What happened to a planned layer: 'converted' (swapped for its factorization) or 'no-gain'
 * (kept as it was: the factorization would have had more params or MACs, or no fewer of
 * either; `comparison` has the numbers of both).
 */
export type ConversionOutcome = 'converted' | 'no-gain';

export interface LayerConversion {
  layer: string;
  className: string;
  method: ConversionMethod;
  form: MatrixForm | null;
  /** Planned rank (per group for grouped convs); null for 'group'. */
  rank: number | null;
  fullRank: number | null;
  /** How the rank was chosen. */
  rankSource: 'rank' | 'energy' | 'budget' | null;
  /** Groups of the factorization (1 for a plain svd pair). */
  groups: number;
  /** Share of the kernel's squared Frobenius norm the factorization keeps. */
  retainedEnergy: number;
  outcome: ConversionOutcome;
  /** The layer against its factorization, as the no-gain rule compared them. */
  comparison: GainComparison;
  /** Params of the layer, and of what stands in its place in the returned model. */
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number | null;
  macsAfter: number | null;
  /** 2 x MACs. */
  flopsBefore: number | null;
  flopsAfter: number | null;
  /** Names of the layers in its place, in call order; the last is the original name. */
  newLayers: string[];
}

export interface ConversionReport {
  layers: LayerConversion[];
  paramsBefore: number;
  paramsAfter: number;
  /** paramsBefore / paramsAfter of the whole model. */
  paramsRatio: number;
  /** Sum of the MACs of all kernel layers (null when the input size is unknown). */
  macsBefore: number | null;
  macsAfter: number | null;
  /** 2 x MACs. */
  flopsBefore: number | null;
  flopsAfter: number | null;
  /** Output error against the original on the calibration batch, one entry per output. */
  output: OutputError[] | null;
}

export interface ConversionResult {
  model: tf.LayersModel;
  report: ConversionReport;
}

/** Suffix of the first layer of a two-layer replacement: `<name>_lr_a`. */
export const FIRST_LAYER_SUFFIX = '_lr_a';

function uniqueName(wanted: string, taken: Set<string>): string {
  if (!taken.has(wanted)) return wanted;
  let i = 1;
  while (taken.has(`${wanted}_${i}`)) i++;
  return `${wanted}_${i}`;
}

/** MACs of every kernel layer and their sum (null if some input shape is unknown). */
function kernelMacs(model: tf.LayersModel, shapes: Map<string, number[]>) {
  const per = new Map<string, number>();
  let total = 0;
  let known = true;
  for (const layer of model.layers) {
    const info = describeKernelLayer(layer);
    if (!info) continue;
    const s = shapes.get(layer.name);
    if (!s) {
      known = false;
      continue;
    }
    const m = layerMacs(info, s, layer.getConfig() as Record<string, unknown>);
    per.set(layer.name, m);
    total += m;
  }
  return { per, total: known ? total : null };
}

/** A planned layer, its factorization, and whether the factorization replaces it. */
interface Candidate {
  plan: ResolvedLayerPlan;
  replacement: Replacement;
  comparison: GainComparison;
  swap: boolean;
}

/**
 * Returns a NEW model in which the planned layers are replaced (the input model is not
 * touched), and a report.
 *
 * - svd, Conv2D (flat form): `Conv kh x kw (Cin -> r, no bias, the original strides, padding and
 *   dilation)` named `<name>_lr_a`, then `Conv 1x1 (r -> Cout, bias, the original activation)`
 *   named `<name>`. Spatial form: `Conv kh x 1` then `Conv 1 x kw`.
 * - svd, Dense: `Dense(r, no bias)` then `Dense(Cout, bias, activation)`.
 * - svd, Conv2DTranspose: `Conv2DTranspose kh x kw (Cin -> r, no bias, original strides)` then
 *   `Conv 1x1 (r -> Cout)`.
 * - svd, HsrkitGroupedConv2D: `GroupedConv kxk (Cin -> g*r, g groups, no bias)` then
 *   `GroupedConv 1x1 (g*r -> Cout, g groups)`: a rank-r SVD of every group's block.
 * - group (Conv2D only): one HsrkitGroupedConv2D named `<name>` holding the block-diagonal part
 *   of the kernel (plus an Activation layer named `<name>` after a `<name>_lr_a` conv when the
 *   original had a non-linear activation).
 *
 * A layer is never swapped for a factorization with more params or MACs than it has (or no
 * fewer of either): it is kept, and its report entry says `outcome: 'no-gain'` with both
 * counts. MACs are counted at the layer's input shape, at a nominal 64 x 64 where the model
 * and the options leave it open.
 *
 * The replacement's LAST layer keeps the original name, so anything that taps a layer by name
 * (distillation, `model.getLayer`) still finds its output. The graph is rebuilt from the model's
 * own topology (every layer with its inbound nodes): multi-input layers, shared layers, several
 * inputs and outputs, Sequential models, and custom layers (rebuilt from their config through
 * their registered class) keep working. Weights of every other layer are copied.
 */
export function lowRankConvert(
  model: tf.LayersModel,
  plan: ConversionPlan,
  options: ConvertOptions = {},
): Promise<ConversionResult> {
  return convertModel(model, plan, options, 'require-gain');
}

/**
 * `lowRankConvert` with the no-gain rule as a switch. Only this package's tests of the
 * factorization itself pass 'swap-always' (it is exact at full rank, where it never gains);
 * it is not exported from the package.
 */
export async function convertModel(
  model: tf.LayersModel,
  plan: ConversionPlan,
  options: ConvertOptions,
  rule: 'require-gain' | 'swap-always',
): Promise<ConversionResult> {
  const resolved = await resolvePlan(model, plan);
  const inputShape =
    options.inputShape ??
    (options.calibration
      ? (Array.isArray(options.calibration) ? options.calibration : [options.calibration]).map(
          (t) => t.shape.slice(1),
        )
      : undefined);
  const shapes = layerInputShapes(model, inputShape);
  const taken = new Set(model.layers.map((l) => l.name));
  const candidates: Candidate[] = resolved.map((r) => {
    const layer = model.getLayer(r.info.name);
    const first = uniqueName(`${r.info.name}${FIRST_LAYER_SUFFIX}`, taken);
    const replacement = buildReplacement(r, layer.getConfig() as Record<string, unknown>, first);
    const comparison = compareWithReplacement(layer, r.info, replacement, shapes.get(layer.name));
    const swap = rule === 'swap-always' || hasGain(comparison);
    if (swap) taken.add(first);
    return { plan: r, replacement, comparison, swap };
  });
  const replacements = new Map(
    candidates.filter((c) => c.swap).map((c) => [c.plan.info.name, c.replacement]),
  );
  const converted = await rewriteModel(model, replacements);
  const before = kernelMacs(model, shapes);
  const after = kernelMacs(converted, layerInputShapes(converted, inputShape));
  const layers = candidates.map((c) => layerConversion(c, converted, before.per, after.per));
  const paramsBefore = modelParams(model);
  const paramsAfter = modelParams(converted);
  let output: OutputError[] | null = null;
  if (options.calibration)
    try {
      output = await outputError(model, converted, options.calibration, { peak: options.peak });
    } catch (e) {
      converted.dispose(); // nothing is handed back, so nothing may stay allocated
      throw e;
    }
  return {
    model: converted,
    report: {
      layers,
      paramsBefore,
      paramsAfter,
      paramsRatio: paramsBefore / paramsAfter,
      macsBefore: before.total,
      macsAfter: after.total,
      flopsBefore: before.total === null ? null : 2 * before.total,
      flopsAfter: after.total === null ? null : 2 * after.total,
      output,
    },
  };
}

function layerConversion(
  c: Candidate,
  converted: tf.LayersModel,
  macsBefore: Map<string, number>,
  macsAfter: Map<string, number>,
): LayerConversion {
  const r = c.plan;
  const name = r.info.name;
  const names = c.swap ? c.replacement.layers.map((l) => String(l.config.name)) : [name];
  let after: number | null = 0;
  for (const n of names) {
    if (!describeKernelLayer(converted.getLayer(n))) continue; // e.g. an Activation
    const m = macsAfter.get(n);
    after = m === undefined || after === null ? null : after + m;
  }
  const before = macsBefore.get(name) ?? null;
  return {
    layer: name,
    className: r.info.className,
    method: r.method,
    form: r.method === 'svd' ? r.form : null,
    rank: r.method === 'svd' ? r.rank : null,
    fullRank: r.method === 'svd' ? r.fullRank : null,
    rankSource: r.rankSource,
    groups: r.method === 'group' ? r.groups : r.svd.length,
    retainedEnergy: r.retainedEnergy,
    outcome: c.swap ? 'converted' : 'no-gain',
    comparison: c.comparison,
    paramsBefore: r.paramsBefore,
    paramsAfter: names.reduce((a, n) => a + layerParams(converted.getLayer(n)), 0),
    macsBefore: before,
    macsAfter: after,
    flopsBefore: before === null ? null : 2 * before,
    flopsAfter: after === null ? null : 2 * after,
    newLayers: names,
  };
}
