import * as tf from '@tensorflow/tfjs';
import { layerMacs } from './cost.js';
import { LowRankPlanError } from './errors.js';
import { buildReplacement, type Replacement } from './factorize.js';
import { describeKernelLayer, layerParams, modelParams, weightSuffix } from './kernel-layer.js';
import { modelGraph, type PyLayerEntry } from './model-graph.js';
import type { MatrixForm } from './kernel-matrix.js';
import { type ConversionMethod, type ConversionPlan, resolvePlan } from './plan.js';
import { type OutputError, outputError } from './output-error.js';
import { type InputShapes, layerInputShapes } from './shapes.js';

export interface ConvertOptions {
  /** A batch to run both models on; the report then gives PSNR and max abs error per output. */
  calibration?: tf.Tensor | tf.Tensor[];
  /** Peak value for PSNR (default: the original output's max - min on the calibration batch). */
  peak?: number;
  /** Model input shape without batch, for MACs (default: the calibration batch's shape). */
  inputShape?: readonly number[] | InputShapes;
}

export interface LayerConversion {
  layer: string;
  className: string;
  method: ConversionMethod;
  form: MatrixForm | null;
  /** Kept rank (per group for grouped convs); null for 'group'. */
  rank: number | null;
  fullRank: number | null;
  /** How the rank was chosen. */
  rankSource: 'rank' | 'energy' | 'budget' | null;
  /** Groups of the replacement (1 for a plain svd pair). */
  groups: number;
  /** Share of the kernel's squared Frobenius norm kept. */
  retainedEnergy: number;
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number | null;
  macsAfter: number | null;
  /** 2 x MACs. */
  flopsBefore: number | null;
  flopsAfter: number | null;
  /** Names of the replacement's layers, in call order; the last is the original name. */
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

/** Sum of the MACs of every kernel layer, or null if some input shape is unknown. */
function kernelMacs(model: tf.LayersModel, inputShape?: readonly number[] | InputShapes) {
  const shapes = layerInputShapes(model, inputShape);
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
 * The replacement's LAST layer keeps the original name, so anything that taps a layer by name
 * (distillation, `model.getLayer`) still finds its output. The graph is rebuilt from the model's
 * own topology (every layer with its inbound nodes): multi-input layers, shared layers, several
 * inputs and outputs, Sequential models, and custom layers (rebuilt from their config through
 * their registered class) keep working. Weights of every other layer are copied.
 */
export async function lowRankConvert(
  model: tf.LayersModel,
  plan: ConversionPlan,
  options: ConvertOptions = {},
): Promise<ConversionResult> {
  const resolved = await resolvePlan(model, plan);
  const graph = modelGraph(model);
  const topology = graph.topology;
  const taken = new Set(graph.layers.map((l) => l.name));
  const replacements = new Map<string, Replacement>();
  for (const r of resolved) {
    const layer = model.getLayer(r.info.name);
    const first = uniqueName(`${r.info.name}${FIRST_LAYER_SUFFIX}`, taken);
    taken.add(first);
    const rep = buildReplacement(r, layer.getConfig() as Record<string, unknown>, first);
    replacements.set(r.info.name, rep);
  }
  // Rewrite the topology: the replaced entry becomes its replacement's layers.
  const entries = topology.config.layers;
  const out: PyLayerEntry[] = [];
  for (const e of entries) {
    const name = String(e.name ?? e.config.name);
    const rep = replacements.get(name);
    if (!rep) {
      out.push(e);
      continue;
    }
    rep.layers.forEach((l, k) => {
      const lname = String(l.config.name);
      if (graph.sequential) {
        out.push({ class_name: l.className, config: l.config as Record<string, unknown> });
        return;
      }
      const prev = k > 0 ? String(rep.layers[k - 1].config.name) : null;
      const inbound = prev
        ? (e.inbound_nodes ?? []).map(
            (_n, i) => [[prev, i, 0, {}]] as [string, number, number, Record<string, unknown>][],
          )
        : e.inbound_nodes;
      out.push({
        class_name: l.className,
        config: l.config as Record<string, unknown>,
        name: lname,
        inbound_nodes: inbound,
      });
    });
  }
  topology.config.layers = out;
  const converted = await tf.models.modelFromJSON({
    modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'],
  });
  // Weights: the replacements' from the factors, everyone else's copied.
  const newWeights = new Map<string, Record<string, { values: Float32Array; shape: number[] }>>();
  for (const rep of replacements.values())
    for (const l of rep.layers) newWeights.set(String(l.config.name), l.weights);
  try {
    for (const layer of converted.layers) {
      if (layer.weights.length === 0) continue;
      const fresh = newWeights.get(layer.name);
      if (fresh) {
        const tensors = layer.weights.map((w) => {
          const v = fresh[weightSuffix(w)];
          if (!v)
            throw new LowRankPlanError(
              `internal: no initial value for weight '${w.name}' of new layer '${layer.name}'`,
              layer.name,
            );
          return tf.tensor(v.values, v.shape);
        });
        layer.setWeights(tensors);
        tf.dispose(tensors);
      } else layer.setWeights(model.getLayer(layer.name).getWeights());
    }
  } catch (e) {
    converted.dispose();
    throw e;
  }
  const inputShape =
    options.inputShape ??
    (options.calibration
      ? (Array.isArray(options.calibration) ? options.calibration : [options.calibration]).map(
          (t) => t.shape.slice(1),
        )
      : undefined);
  const before = kernelMacs(model, inputShape);
  const after = kernelMacs(converted, inputShape);
  const layers: LayerConversion[] = resolved.map((r) => {
    const rep = replacements.get(r.info.name)!;
    const names = rep.layers.map((l) => String(l.config.name));
    let macsAfter: number | null = 0;
    for (const n of names) {
      if (!describeKernelLayer(converted.getLayer(n))) continue; // e.g. an Activation
      const m = after.per.get(n);
      macsAfter = m === undefined || macsAfter === null ? null : macsAfter + m;
    }
    const macsBefore = before.per.get(r.info.name) ?? null;
    return {
      layer: r.info.name,
      className: r.info.className,
      method: r.method,
      form: r.method === 'svd' ? r.form : null,
      rank: r.method === 'svd' ? r.rank : null,
      fullRank: r.method === 'svd' ? r.fullRank : null,
      rankSource: r.rankSource,
      groups: r.method === 'group' ? r.groups : r.svd.length,
      retainedEnergy: r.retainedEnergy,
      paramsBefore: r.paramsBefore,
      paramsAfter: names.reduce((a, n) => a + layerParams(converted.getLayer(n)), 0),
      macsBefore,
      macsAfter,
      flopsBefore: macsBefore === null ? null : 2 * macsBefore,
      flopsAfter: macsAfter === null ? null : 2 * macsAfter,
      newLayers: names,
    };
  });
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
