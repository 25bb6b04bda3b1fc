import type * as tf from '@tensorflow/tfjs';
import { svdParams } from './analyze-layer.js';
import { spatialConfig } from './cost.js';
import { LowRankPlanError } from './errors.js';
import { describeKernelLayer, type KernelLayerInfo, layerParams } from './kernel-layer.js';
import { type KernelMatrices, type MatrixForm, kernelMatrices } from './kernel-matrix.js';
import { cumulativeEnergy, rankForEnergy, thinSvd } from './spectrum.js';
import type { Matrix } from 'ml-matrix';

export type ConversionMethod = 'svd' | 'group';

/** What to do with one layer. */
export interface LayerPlan {
  /** Name of a top-level layer of the model. */
  layer: string;
  /** 'svd' (default): factorised pair from the truncated SVD. 'group': one grouped conv holding
   * the block-diagonal part of the kernel (LKCA-LR), to fine-tune or distil afterwards. */
  method?: ConversionMethod;
  /** svd: the rank to keep (per group for a grouped conv). */
  rank?: number;
  /** svd: keep the smallest rank whose cumulative energy reaches this share, in (0, 1]. */
  energy?: number;
  /** svd: kernel matrix form (see MatrixForm); 'spatial' is for Conv2D only. Default 'flat'. */
  form?: MatrixForm;
  /** group: number of groups; must divide the layer's input and output channels. */
  groups?: number;
}

export interface ConversionPlan {
  layers: readonly LayerPlan[];
  /**
   * Total params the converted MODEL may have. svd entries with neither `rank` nor `energy` get
   * their ranks from it: each starts at rank 1 and the budget goes, one rank at a time, to the
   * layer whose next singular value adds the most energy (as a share of that layer's energy) per
   * param, while it fits.
   */
  paramsBudget?: number;
}

/** A plan entry with everything decided, and the SVD it needs. */
export interface ResolvedLayerPlan {
  info: KernelLayerInfo;
  method: ConversionMethod;
  form: MatrixForm;
  /** svd: kept rank (per group); group: 0. */
  rank: number;
  /** svd: min(rows, cols) of a block; group: 0. */
  fullRank: number;
  groups: number;
  /** Share of the kernel's squared Frobenius norm the replacement keeps. */
  retainedEnergy: number;
  paramsBefore: number;
  paramsAfter: number;
  /** svd: per block U, s, V. */
  svd: { u: Matrix; s: Float64Array; v: Matrix }[];
  matrices: KernelMatrices | null;
  kernelValues: Float32Array;
  biasValues: Float32Array | null;
  rankSource: 'rank' | 'energy' | 'budget' | null;
}

function describeConvertible(model: tf.LayersModel): string {
  const names = model.layers
    .map((l) => ({ l, info: describeKernelLayer(l) }))
    .filter((x) => x.info && x.info.kind !== 'depthwise')
    .map((x) => `${x.l.name} (${x.l.getClassName()})`);
  return names.length ? names.join(', ') : '(none)';
}

/** Energy kept by rank r in every block: sum_b sum_{i<r} s_bi^2 / total. */
function blockEnergy(svds: { s: Float64Array }[], fullRank: number): Float64Array {
  const rms = new Float64Array(fullRank);
  for (let i = 0; i < fullRank; i++) {
    let acc = 0;
    for (const b of svds) acc += b.s[i] * b.s[i];
    rms[i] = Math.sqrt(acc);
  }
  return cumulativeEnergy(rms);
}

function checkGroupable(info: KernelLayerInfo, config: Record<string, unknown>, groups: number) {
  const fail = (field: string, why: string) => {
    throw new LowRankPlanError(
      `layer '${info.name}' (${info.className}): method 'group' ${why}`,
      info.name,
      field,
    );
  };
  if (info.kind !== 'conv2d')
    fail('method', `converts Conv2D layers only (this one is ${info.className}); use 'svd'`);
  if (!Number.isInteger(groups) || groups < 2)
    fail('groups', `needs an integer 'groups' >= 2, got ${JSON.stringify(groups)}`);
  if (info.cin % groups !== 0 || info.cout % groups !== 0)
    fail(
      'groups',
      `needs groups dividing both Cin=${info.cin} and Cout=${info.cout}, got ${groups}`,
    );
  const sc = spatialConfig(config);
  if (info.kh !== info.kw) fail('layer', `needs a square kernel, got ${info.kh}x${info.kw}`);
  if (sc.strides[0] !== 1 || sc.strides[1] !== 1 || sc.dilation[0] !== 1 || sc.dilation[1] !== 1)
    fail('layer', 'needs stride 1 and dilation 1 (HsrkitGroupedConv2D is stride 1)');
  if (sc.padding !== 'same') fail('layer', `needs 'same' padding, got '${sc.padding}'`);
  if (config.dataFormat === 'channelsFirst') fail('layer', 'needs channelsLast data');
}

/**
 * Checks a plan against a model and decides every rank. Throws LowRankPlanError naming the
 * entry and field at fault and listing what is available.
 */
export async function resolvePlan(
  model: tf.LayersModel,
  plan: ConversionPlan,
): Promise<ResolvedLayerPlan[]> {
  if (!plan || !Array.isArray(plan.layers) || plan.layers.length === 0)
    throw new LowRankPlanError(
      `the plan lists no layers; convertible layers of '${model.name}': ${describeConvertible(model)}`,
      undefined,
      'layers',
    );
  const seen = new Set<string>();
  const resolved: ResolvedLayerPlan[] = [];
  const budgeted: ResolvedLayerPlan[] = [];
  const energies = new Map<ResolvedLayerPlan, Float64Array>();
  for (const entry of plan.layers) {
    const name = entry?.layer;
    const layer = model.layers.find((l) => l.name === name);
    if (!layer)
      throw new LowRankPlanError(
        `no layer '${String(name)}' in model '${model.name}'; convertible layers: ${describeConvertible(model)}`,
        String(name),
        'layer',
      );
    if (seen.has(name))
      throw new LowRankPlanError(`layer '${name}' appears twice in the plan`, name, 'layer');
    seen.add(name);
    const info = describeKernelLayer(layer);
    if (!info || info.kind === 'depthwise')
      throw new LowRankPlanError(
        `layer '${name}' is a ${layer.getClassName()}, which cannot be converted (convertible kinds: ` +
          `Conv2D, Dense, Conv2DTranspose, HsrkitGroupedConv2D; depthwise convs can only be analysed); ` +
          `convertible layers: ${describeConvertible(model)}`,
        name,
        'layer',
      );
    const method = entry.method ?? 'svd';
    if (method !== 'svd' && method !== 'group')
      throw new LowRankPlanError(
        `layer '${name}': unknown method '${String(method)}' (use 'svd' or 'group')`,
        name,
        'method',
      );
    const config = layer.getConfig() as Record<string, unknown>;
    const kernelValues = (await info.kernel.read().data()) as Float32Array;
    const biasValues = info.bias ? ((await info.bias.read().data()) as Float32Array) : null;
    const paramsBefore = layerParams(layer);
    if (method === 'group') {
      const groups = entry.groups as number;
      checkGroupable(info, config, groups);
      // Energy of the block-diagonal part: output o keeps input channels of its group only.
      const cinG = info.cin / groups;
      const coutG = info.cout / groups;
      let kept = 0;
      let total = 0;
      for (let p = 0; p < info.kh * info.kw; p++)
        for (let c = 0; c < info.cin; c++)
          for (let o = 0; o < info.cout; o++) {
            const v = kernelValues[(p * info.cin + c) * info.cout + o];
            total += v * v;
            if (Math.floor(c / cinG) === Math.floor(o / coutG)) kept += v * v;
          }
      resolved.push({
        info,
        method,
        form: 'flat',
        rank: 0,
        fullRank: 0,
        groups,
        retainedEnergy: total > 0 ? kept / total : 1,
        paramsBefore,
        paramsAfter: info.kh * info.kw * cinG * info.cout + (info.bias ? info.cout : 0),
        svd: [],
        matrices: null,
        kernelValues,
        biasValues,
        rankSource: null,
      });
      continue;
    }
    const form = entry.form ?? 'flat';
    if (form !== 'flat' && form !== 'spatial')
      throw new LowRankPlanError(
        `layer '${name}': form must be 'flat' or 'spatial', got '${String(form)}'`,
        name,
        'form',
      );
    if (form === 'spatial' && info.kind !== 'conv2d')
      throw new LowRankPlanError(
        `layer '${name}' (${info.className}): the 'spatial' form converts Conv2D layers only; use 'flat'`,
        name,
        'form',
      );
    if (entry.rank !== undefined && entry.energy !== undefined)
      throw new LowRankPlanError(
        `layer '${name}': give 'rank' or 'energy', not both`,
        name,
        'rank',
      );
    const matrices = kernelMatrices(info, kernelValues, form);
    const svd = matrices.blocks.map((b) => thinSvd(b));
    const fullRank = Math.min(matrices.rows, matrices.cols);
    const energy = blockEnergy(svd, fullRank);
    let rank = 0;
    let rankSource: ResolvedLayerPlan['rankSource'] = null;
    if (entry.rank !== undefined) {
      if (!Number.isInteger(entry.rank) || entry.rank < 1 || entry.rank > fullRank)
        throw new LowRankPlanError(
          `layer '${name}': rank ${JSON.stringify(entry.rank)} is not an integer in [1, ${fullRank}] ` +
            `(full rank of its ${matrices.rows}x${matrices.cols} ${form} kernel matrix` +
            `${svd.length > 1 ? `, per group of ${svd.length}` : ''})`,
          name,
          'rank',
        );
      rank = entry.rank;
      rankSource = 'rank';
    } else if (entry.energy !== undefined) {
      if (!(typeof entry.energy === 'number' && entry.energy > 0 && entry.energy <= 1))
        throw new LowRankPlanError(
          `layer '${name}': energy must be in (0, 1], got ${JSON.stringify(entry.energy)}`,
          name,
          'energy',
        );
      rank = rankForEnergy(energy, entry.energy);
      rankSource = 'energy';
    } else if (plan.paramsBudget === undefined)
      throw new LowRankPlanError(
        `layer '${name}': give 'rank' (1..${fullRank}), 'energy' (0..1], or a plan 'paramsBudget'`,
        name,
        'rank',
      );
    const r: ResolvedLayerPlan = {
      info,
      method,
      form,
      rank,
      fullRank,
      groups: svd.length,
      retainedEnergy: rank > 0 ? energy[rank - 1] : 0,
      paramsBefore,
      paramsAfter: rank > 0 ? svdParams(info, rank, form) : 0,
      svd,
      matrices,
      kernelValues,
      biasValues,
      rankSource,
    };
    energies.set(r, energy);
    resolved.push(r);
    if (rank === 0) budgeted.push(r);
  }
  if (plan.paramsBudget !== undefined)
    allocateBudget(model, plan.paramsBudget, resolved, budgeted, energies);
  return resolved;
}

function allocateBudget(
  model: tf.LayersModel,
  budget: number,
  resolved: ResolvedLayerPlan[],
  budgeted: ResolvedLayerPlan[],
  energies: Map<ResolvedLayerPlan, Float64Array>,
): void {
  let total = 0;
  for (const l of model.layers) total += layerParams(l);
  if (!(typeof budget === 'number' && Number.isFinite(budget) && budget > 0))
    throw new LowRankPlanError(
      `paramsBudget must be a positive number, got ${JSON.stringify(budget)}`,
      undefined,
      'paramsBudget',
    );
  // Params of everything but the budgeted layers, after conversion.
  let fixed = total;
  for (const r of resolved)
    fixed += r.rank > 0 || r.method === 'group' ? r.paramsAfter - r.paramsBefore : -r.paramsBefore;
  const cost = (r: ResolvedLayerPlan, rank: number) => svdParams(r.info, rank, r.form);
  let used = fixed;
  for (const r of budgeted) {
    r.rank = 1;
    used += cost(r, 1);
  }
  if (used > budget)
    throw new LowRankPlanError(
      `paramsBudget ${budget} cannot be met: with rank 1 in ${budgeted.map((r) => `'${r.info.name}'`).join(', ') || 'no budgeted layer'} ` +
        `the model has ${used} params (the other layers hold ${fixed})`,
      undefined,
      'paramsBudget',
    );
  for (;;) {
    let best: ResolvedLayerPlan | null = null;
    let bestGain = -1;
    for (const r of budgeted) {
      if (r.rank >= r.fullRank) continue;
      const step = cost(r, r.rank + 1) - cost(r, r.rank);
      if (used + step > budget) continue;
      const e = energies.get(r)!;
      const gain = (e[r.rank] - e[r.rank - 1]) / step;
      if (gain > bestGain) {
        bestGain = gain;
        best = r;
      }
    }
    if (!best) break;
    used += cost(best, best.rank + 1) - cost(best, best.rank);
    best.rank += 1;
  }
  for (const r of budgeted) {
    r.rankSource = 'budget';
    r.retainedEnergy = energies.get(r)![r.rank - 1];
    r.paramsAfter = cost(r, r.rank);
  }
}
