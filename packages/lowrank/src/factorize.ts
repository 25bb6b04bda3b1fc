import * as tf from '@tensorflow/tfjs';
import { GroupedConv2D } from '@hsrkit/layers';
import type { ResolvedLayerPlan } from './plan.js';

export interface WeightValues {
  values: Float32Array;
  shape: number[];
}

/** One layer of a replacement: its class, its config (TS form) and its initial weights. */
export interface ReplacementLayer {
  className: string;
  config: tf.serialization.ConfigDict;
  /** Weight values by weight suffix ('kernel', 'bias'). */
  weights: Record<string, WeightValues>;
}

/** The layers that replace one planned layer, in call order; the last keeps its name. */
export interface Replacement {
  original: string;
  layers: ReplacementLayer[];
}

type Conf = Record<string, unknown>;

/** The layer classes a replacement is made of, by class name. */
const LAYER_MAKERS: Record<string, (config: Conf) => tf.layers.Layer> = {
  Conv2D: (c) => tf.layers.conv2d(c as never),
  Conv2DTranspose: (c) => tf.layers.conv2dTranspose(c as never),
  Dense: (c) => tf.layers.dense(c as never),
  Activation: (c) => tf.layers.activation(c as never),
  [GroupedConv2D.className]: (c) => new GroupedConv2D(c as never),
};

/**
 * A replacement layer of class `className`. Its config is the one the layer itself writes, as
 * plain JSON (undefined fields dropped: deserialisation rejects them).
 */
function replacementLayer(
  className: string,
  config: Conf,
  weights: Record<string, WeightValues>,
): ReplacementLayer {
  const layer = LAYER_MAKERS[className](config);
  return { className, config: JSON.parse(JSON.stringify(layer.getConfig())), weights };
}

/** Settings every new layer inherits from the one it replaces. */
function inherited(orig: Conf, name: string, first: boolean): Conf {
  const out: Conf = { name, trainable: orig.trainable ?? true };
  if (orig.dtype) out.dtype = orig.dtype;
  // A Sequential model's first layer carries the input shape: the replacement's first must.
  if (first && orig.batchInputShape) out.batchInputShape = orig.batchInputShape;
  return out;
}

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  return [Number(v ?? 1), Number(v ?? 1)];
}

/** One layer of an svd pair: its class, its own config fields and its kernel shape. */
interface FactorLayer {
  className: string;
  config: Conf;
  kernelShape: number[];
}

/**
 * Where the factors of a rank-r SVD go: A = U sqrt(S) (rows x r per block) into the first
 * layer's kernel, B = sqrt(S) V^T (r x cols per block) into the second's, which also gets the
 * bias and (where its class has one) the activation.
 */
interface PairLayout {
  first: FactorLayer;
  second: FactorLayer;
  /** Index in the first kernel of A[block][row, t]. */
  aIndex(block: number, row: number, t: number): number;
  /** Index in the second kernel of B[block][t, col]. */
  bIndex(block: number, t: number, col: number): number;
}

/** The layout of the svd pair of each layer kind and matrix form (see `MatrixForm`). */
function pairLayout(r: ResolvedLayerPlan, orig: Conf, activation: string): PairLayout {
  const { kind, kh, kw, cin, cout } = r.info;
  const rank = r.rank;
  const { rows, cols } = r.matrices!;
  const strides = pair(orig.strides);
  const dilation = pair(orig.dilationRate);
  const padding = orig.padding as string;
  const dataFormat = orig.dataFormat;
  const flatA = (_blk: number, row: number, t: number) => row * rank + t;
  const flatB = (_blk: number, t: number, o: number) => t * cols + o;
  // A 1x1 conv r -> Cout: the second layer of the flat conv and transposed-conv pairs.
  const pointwise: FactorLayer = {
    className: 'Conv2D',
    config: { filters: cout, kernelSize: 1, dataFormat, activation },
    kernelShape: [1, 1, rank, cout],
  };
  if (kind === 'dense')
    return {
      first: { className: 'Dense', config: { units: rank }, kernelShape: [rows, rank] },
      second: {
        className: 'Dense',
        config: { units: cout, activation },
        kernelShape: [rank, cols],
      },
      aIndex: flatA,
      bIndex: flatB,
    };
  if (kind === 'grouped') {
    // One block per group: group b's factors fill channels [b*r, (b+1)*r) of the middle.
    const g = r.svd.length;
    const grouped = GroupedConv2D.className;
    return {
      first: {
        className: grouped,
        config: { filters: g * rank, kernelSize: kh, groups: g },
        kernelShape: [kh, kw, cin / g, g * rank],
      },
      second: {
        className: grouped,
        config: { filters: cout, kernelSize: 1, groups: g },
        kernelShape: [1, 1, rank, cout],
      },
      aIndex: (blk, row, t) => row * g * rank + blk * rank + t,
      bIndex: (blk, t, o) => t * cout + blk * cols + o,
    };
  }
  if (kind === 'conv2dTranspose')
    // ConvT kernel [kh,kw,r,Cin]: A[i,j,t,c] = U[(i*kw+j)*Cin+c, t] sqrt(s_t).
    return {
      first: {
        className: 'Conv2DTranspose',
        config: {
          filters: rank,
          kernelSize: [kh, kw],
          strides,
          padding,
          dilationRate: dilation,
          dataFormat,
        },
        kernelShape: [kh, kw, rank, cin],
      },
      second: pointwise,
      aIndex: (_blk, row, t) => (Math.floor(row / cin) * rank + t) * cin + (row % cin),
      bIndex: flatB,
    };
  // A Conv2D with the original padding and data format.
  const conv = (
    filters: number,
    kernelSize: [number, number],
    convStrides: [number, number],
    dilationRate: [number, number],
    kernelShape: number[],
    extra: Conf = {},
  ): FactorLayer => ({
    className: 'Conv2D',
    config: {
      filters,
      kernelSize,
      strides: convStrides,
      dilationRate,
      padding,
      dataFormat,
      ...extra,
    },
    kernelShape,
  });
  if (r.form === 'spatial')
    // Rows (i, c), columns (j, o): a kh x 1 conv to r channels, then a 1 x kw conv.
    return {
      first: conv(rank, [kh, 1], [strides[0], 1], [dilation[0], 1], [kh, 1, cin, rank]),
      second: conv(cout, [1, kw], [1, strides[1]], [1, dilation[1]], [1, kw, rank, cout], {
        activation,
      }),
      aIndex: flatA,
      bIndex: (_blk, t, col) => (Math.floor(col / cout) * rank + t) * cout + (col % cout),
    };
  return {
    first: conv(rank, [kh, kw], strides, dilation, [kh, kw, cin, rank]),
    second: pointwise,
    aIndex: flatA,
    bIndex: flatB,
  };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Builds the replacement of one resolved plan entry. `firstName` names the first layer of a
 * two-layer replacement (`<name>_lr_a`).
 * - svd: a pair whose kernels hold A = U_r sqrt(S_r) and B = sqrt(S_r) V_r^T of every block, laid
 *   out by `pairLayout`; the pair is exact at full rank.
 * - group: one grouped conv holding the block-diagonal part of the kernel (plus an Activation
 *   layer when the original had a non-linear activation).
 */
export function buildReplacement(
  r: ResolvedLayerPlan,
  origConfig: Conf,
  firstName: string,
): Replacement {
  const name = r.info.name;
  const activation = (origConfig.activation as string | undefined) ?? 'linear';
  const useBias = r.info.bias !== null;
  const bias: Record<string, WeightValues> = r.biasValues
    ? { bias: { values: r.biasValues, shape: [r.info.cout] } }
    : {};
  if (r.method === 'group') {
    const linear = activation === 'linear';
    const grouped = replacementLayer(
      GroupedConv2D.className,
      {
        ...inherited(origConfig, linear ? name : firstName, true),
        filters: r.info.cout,
        kernelSize: r.info.kh,
        groups: r.groups,
        useBias,
        biasInitializer: 'zeros',
      },
      { kernel: blockDiagonalKernel(r), ...bias },
    );
    if (linear) return { original: name, layers: [grouped] };
    const act = replacementLayer(
      'Activation',
      { ...inherited(origConfig, name, false), activation },
      {},
    );
    return { original: name, layers: [grouped, act] };
  }
  const layout = pairLayout(r, origConfig, activation);
  const { rows, cols } = r.matrices!;
  const ka = new Float32Array(size(layout.first.kernelShape));
  const kb = new Float32Array(size(layout.second.kernelShape));
  r.svd.forEach(({ u, s, v }, blk) => {
    for (let t = 0; t < r.rank; t++) {
      const root = Math.sqrt(s[t]);
      for (let row = 0; row < rows; row++) ka[layout.aIndex(blk, row, t)] = u.get(row, t) * root;
      for (let col = 0; col < cols; col++) kb[layout.bIndex(blk, t, col)] = root * v.get(col, t);
    }
  });
  return {
    original: name,
    layers: [
      replacementLayer(
        layout.first.className,
        { ...inherited(origConfig, firstName, true), ...layout.first.config, useBias: false },
        { kernel: { values: ka, shape: layout.first.kernelShape } },
      ),
      replacementLayer(
        layout.second.className,
        { ...inherited(origConfig, name, false), ...layout.second.config, useBias },
        { kernel: { values: kb, shape: layout.second.kernelShape }, ...bias },
      ),
    ],
  };
}

/** The kernel [kh, kw, Cin/g, Cout] of a grouped conv: the diagonal blocks of the original. */
function blockDiagonalKernel(r: ResolvedLayerPlan): WeightValues {
  const { kh, kw, cin, cout } = r.info;
  const g = r.groups;
  const cinG = cin / g;
  const coutG = cout / g;
  const kernel = new Float32Array(kh * kw * cinG * cout);
  for (let p = 0; p < kh * kw; p++)
    for (let c = 0; c < cinG; c++)
      for (let o = 0; o < cout; o++) {
        const src = Math.floor(o / coutG) * cinG + c;
        kernel[(p * cinG + c) * cout + o] = r.kernelValues[(p * cin + src) * cout + o];
      }
  return { values: kernel, shape: [kh, kw, cinG, cout] };
}
