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

/** A layer's config as plain JSON (undefined fields dropped: deserialisation rejects them). */
function configOf(layer: tf.layers.Layer): tf.serialization.ConfigDict {
  return JSON.parse(JSON.stringify(layer.getConfig()));
}

/** Settings every new layer inherits from the one it replaces. */
function base(orig: Conf, name: string, first: boolean): Conf {
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

/**
 * Builds the replacement of one resolved plan entry. `firstName` names the first layer of a
 * two-layer replacement (`<name>_lr_a`).
 */
export function buildReplacement(
  r: ResolvedLayerPlan,
  origConfig: Conf,
  firstName: string,
): Replacement {
  const { info } = r;
  const name = info.name;
  const activation = (origConfig.activation as string | undefined) ?? 'linear';
  const useBias = info.bias !== null;
  const bias: Record<string, WeightValues> = r.biasValues
    ? { bias: { values: r.biasValues, shape: [info.cout] } }
    : {};
  const dataFormat = origConfig.dataFormat as tf.serialization.ConfigDictValue | undefined;
  const zeros = 'zeros';

  if (r.method === 'group') {
    const g = r.groups;
    const { kh, kw, cin, cout } = info;
    const cinG = cin / g;
    const coutG = cout / g;
    const kernel = new Float32Array(kh * kw * cinG * cout);
    for (let p = 0; p < kh * kw; p++)
      for (let c = 0; c < cinG; c++)
        for (let o = 0; o < cout; o++) {
          const src = Math.floor(o / coutG) * cinG + c;
          kernel[(p * cinG + c) * cout + o] = r.kernelValues[(p * cin + src) * cout + o];
        }
    const linear = activation === 'linear';
    const gname = linear ? name : firstName;
    const grouped: ReplacementLayer = {
      className: GroupedConv2D.className,
      config: configOf(
        new GroupedConv2D({
          ...(base(origConfig, gname, true) as object),
          filters: cout,
          kernelSize: kh,
          groups: g,
          useBias,
          biasInitializer: zeros,
        }),
      ),
      weights: { kernel: { values: kernel, shape: [kh, kw, cinG, cout] }, ...bias },
    };
    if (linear) return { original: name, layers: [grouped] };
    const act: ReplacementLayer = {
      className: 'Activation',
      config: configOf(
        tf.layers.activation({ ...(base(origConfig, name, false) as object), activation } as any),
      ),
      weights: {},
    };
    return { original: name, layers: [grouped, act] };
  }

  // svd: A (rows x r*g) = U sqrt(S), B (r*g x cols) = sqrt(S) V^T, per block.
  const rank = r.rank;
  const g = r.svd.length;
  const rows = r.matrices!.rows;
  const cols = r.matrices!.cols;
  const a = (blk: number, row: number, t: number) =>
    r.svd[blk].u.get(row, t) * Math.sqrt(r.svd[blk].s[t]);
  const b = (blk: number, t: number, col: number) =>
    Math.sqrt(r.svd[blk].s[t]) * r.svd[blk].v.get(col, t);
  const first = base(origConfig, firstName, true);
  const second = base(origConfig, name, false);

  if (info.kind === 'dense') {
    const ka = new Float32Array(rows * rank);
    const kb = new Float32Array(rank * cols);
    for (let i = 0; i < rows; i++) for (let t = 0; t < rank; t++) ka[i * rank + t] = a(0, i, t);
    for (let t = 0; t < rank; t++) for (let o = 0; o < cols; o++) kb[t * cols + o] = b(0, t, o);
    return {
      original: name,
      layers: [
        {
          className: 'Dense',
          config: configOf(
            tf.layers.dense({ ...(first as object), units: rank, useBias: false } as any),
          ),
          weights: { kernel: { values: ka, shape: [rows, rank] } },
        },
        {
          className: 'Dense',
          config: configOf(
            tf.layers.dense({
              ...(second as object),
              units: info.cout,
              activation,
              useBias,
            } as any),
          ),
          weights: { kernel: { values: kb, shape: [rank, cols] }, ...bias },
        },
      ],
    };
  }

  const strides = pair(origConfig.strides);
  const dilation = pair(origConfig.dilationRate);
  const padding = origConfig.padding as string;
  const { kh, kw, cin, cout } = info;

  if (info.kind === 'grouped') {
    const cinG = cin / g;
    const coutG = cout / g;
    const ka = new Float32Array(kh * kw * cinG * g * rank);
    const kb = new Float32Array(rank * cout);
    for (let blk = 0; blk < g; blk++) {
      for (let row = 0; row < rows; row++)
        for (let t = 0; t < rank; t++) ka[row * g * rank + blk * rank + t] = a(blk, row, t);
      for (let t = 0; t < rank; t++)
        for (let o = 0; o < coutG; o++) kb[t * cout + blk * coutG + o] = b(blk, t, o);
    }
    return {
      original: name,
      layers: [
        {
          className: GroupedConv2D.className,
          config: configOf(
            new GroupedConv2D({
              ...(first as object),
              filters: g * rank,
              kernelSize: kh,
              groups: g,
              useBias: false,
            }),
          ),
          weights: { kernel: { values: ka, shape: [kh, kw, cinG, g * rank] } },
        },
        {
          className: GroupedConv2D.className,
          config: configOf(
            new GroupedConv2D({
              ...(second as object),
              filters: cout,
              kernelSize: 1,
              groups: g,
              useBias,
            }),
          ),
          weights: { kernel: { values: kb, shape: [1, 1, rank, cout] }, ...bias },
        },
      ],
    };
  }

  if (info.kind === 'conv2dTranspose') {
    // ConvT kernel [kh,kw,r,Cin]: A[i,j,t,c] = U[(i*kw+j)*Cin+c, t] sqrt(s_t); then a 1x1 conv.
    const ka = new Float32Array(kh * kw * rank * cin);
    for (let p = 0; p < kh * kw; p++)
      for (let c = 0; c < cin; c++)
        for (let t = 0; t < rank; t++) ka[(p * rank + t) * cin + c] = a(0, p * cin + c, t);
    const kb = new Float32Array(rank * cout);
    for (let t = 0; t < rank; t++) for (let o = 0; o < cout; o++) kb[t * cout + o] = b(0, t, o);
    return {
      original: name,
      layers: [
        {
          className: 'Conv2DTranspose',
          config: configOf(
            tf.layers.conv2dTranspose({
              ...(first as object),
              filters: rank,
              kernelSize: [kh, kw],
              strides,
              padding,
              dilationRate: dilation,
              dataFormat,
              useBias: false,
            } as any),
          ),
          weights: { kernel: { values: ka, shape: [kh, kw, rank, cin] } },
        },
        {
          className: 'Conv2D',
          config: configOf(
            tf.layers.conv2d({
              ...(second as object),
              filters: cout,
              kernelSize: 1,
              dataFormat,
              activation,
              useBias,
            } as any),
          ),
          weights: { kernel: { values: kb, shape: [1, 1, rank, cout] }, ...bias },
        },
      ],
    };
  }

  // Conv2D.
  if (r.form === 'spatial') {
    // Rows (i, c), columns (j, o): a kh x 1 conv to r channels, then a 1 x kw conv.
    const ka = new Float32Array(kh * cin * rank);
    for (let row = 0; row < rows; row++)
      for (let t = 0; t < rank; t++) ka[row * rank + t] = a(0, row, t);
    const kb = new Float32Array(kw * rank * cout);
    for (let j = 0; j < kw; j++)
      for (let t = 0; t < rank; t++)
        for (let o = 0; o < cout; o++) kb[(j * rank + t) * cout + o] = b(0, t, j * cout + o);
    return {
      original: name,
      layers: [
        {
          className: 'Conv2D',
          config: configOf(
            tf.layers.conv2d({
              ...(first as object),
              filters: rank,
              kernelSize: [kh, 1],
              strides: [strides[0], 1],
              dilationRate: [dilation[0], 1],
              padding,
              dataFormat,
              useBias: false,
            } as any),
          ),
          weights: { kernel: { values: ka, shape: [kh, 1, cin, rank] } },
        },
        {
          className: 'Conv2D',
          config: configOf(
            tf.layers.conv2d({
              ...(second as object),
              filters: cout,
              kernelSize: [1, kw],
              strides: [1, strides[1]],
              dilationRate: [1, dilation[1]],
              padding,
              dataFormat,
              activation,
              useBias,
            } as any),
          ),
          weights: { kernel: { values: kb, shape: [1, kw, rank, cout] }, ...bias },
        },
      ],
    };
  }
  const ka = new Float32Array(rows * rank);
  for (let row = 0; row < rows; row++)
    for (let t = 0; t < rank; t++) ka[row * rank + t] = a(0, row, t);
  const kb = new Float32Array(rank * cout);
  for (let t = 0; t < rank; t++) for (let o = 0; o < cout; o++) kb[t * cout + o] = b(0, t, o);
  return {
    original: name,
    layers: [
      {
        className: 'Conv2D',
        config: configOf(
          tf.layers.conv2d({
            ...(first as object),
            filters: rank,
            kernelSize: [kh, kw],
            strides,
            dilationRate: dilation,
            padding,
            dataFormat,
            useBias: false,
          } as any),
        ),
        weights: { kernel: { values: ka, shape: [kh, kw, cin, rank] } },
      },
      {
        className: 'Conv2D',
        config: configOf(
          tf.layers.conv2d({
            ...(second as object),
            filters: cout,
            kernelSize: 1,
            dataFormat,
            activation,
            useBias,
          } as any),
        ),
        weights: { kernel: { values: kb, shape: [1, 1, rank, cout] }, ...bias },
      },
    ],
  };
}
