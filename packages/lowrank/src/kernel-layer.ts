import type * as tf from '@tensorflow/tfjs';

/** The weight layouts this package understands. */
export type KernelLayerKind = 'conv2d' | 'dense' | 'conv2dTranspose' | 'depthwise' | 'grouped';

/** Class names of grouped convolutions (kernel [kh, kw, Cin/g, Cout], config `groups`). */
const GROUPED_CLASSES = new Set(['HsrkitGroupedConv2D']);
/** Class names of depthwise convolutions (kernel [kh, kw, C, multiplier]). */
const DEPTHWISE_CLASSES = new Set(['DepthwiseConv2D', 'HsrkitDilatedDepthwiseConv2D']);

/** What a layer's kernel looks like, read from the layer (no tensor data is touched). */
export interface KernelLayerInfo {
  name: string;
  className: string;
  kind: KernelLayerKind;
  /** The kernel as stored: Conv2D [kh,kw,Cin,Cout], Dense [Cin,Cout], Conv2DTranspose
   * [kh,kw,Cout,Cin], depthwise [kh,kw,C,m], grouped [kh,kw,Cin/g,Cout]. */
  kernelShape: number[];
  kh: number;
  kw: number;
  cin: number;
  cout: number;
  /** 1 except for grouped convs (their `groups`) and depthwise convs (C). */
  groups: number;
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  /** Number of weights in the layer (kernel, bias, and anything else it holds). */
  params: number;
}

/** The last segment of a weight's scoped name: 'conv1/kernel' -> 'kernel'. */
export function weightSuffix(w: tf.LayerVariable): string {
  const name = (w as unknown as { originalName?: string }).originalName ?? w.name;
  const parts = name.split('/');
  return parts[parts.length - 1];
}

function findWeight(layer: tf.layers.Layer, suffix: string): tf.LayerVariable | null {
  return layer.weights.find((w) => weightSuffix(w) === suffix) ?? null;
}

function countParams(layer: tf.layers.Layer): number {
  let n = 0;
  for (const w of layer.weights) n += (w.shape as number[]).reduce((a, b) => a * b, 1);
  return n;
}

/** The kernel kind of a layer class, or null for a class without a kernel this package reads. */
export function kernelKindOf(className: string): KernelLayerKind | null {
  if (className === 'Conv2D') return 'conv2d';
  if (className === 'Dense') return 'dense';
  if (className === 'Conv2DTranspose') return 'conv2dTranspose';
  if (DEPTHWISE_CLASSES.has(className)) return 'depthwise';
  if (GROUPED_CLASSES.has(className)) return 'grouped';
  return null;
}

/** The kernel's geometry, read from its stored shape (and a grouped conv's `groups`). */
export type KernelDims = Pick<KernelLayerInfo, 'kh' | 'kw' | 'cin' | 'cout' | 'groups'>;

export function kernelDims(kind: KernelLayerKind, s: readonly number[], groups = 1): KernelDims {
  switch (kind) {
    case 'dense':
      return { kh: 1, kw: 1, cin: s[0], cout: s[1], groups: 1 };
    case 'conv2d':
      return { kh: s[0], kw: s[1], cin: s[2], cout: s[3], groups: 1 };
    case 'conv2dTranspose':
      return { kh: s[0], kw: s[1], cin: s[3], cout: s[2], groups: 1 };
    case 'depthwise':
      return { kh: s[0], kw: s[1], cin: s[2], cout: s[2] * s[3], groups: s[2] };
    case 'grouped':
      return { kh: s[0], kw: s[1], cin: s[2] * groups, cout: s[3], groups };
  }
}

/**
 * Describes the kernel of a Conv2D, Dense, Conv2DTranspose, DepthwiseConv2D (stock or our dilated
 * one) or our GroupedConv2D layer, or returns null for any other layer (or an unbuilt one).
 */
export function describeKernelLayer(layer: tf.layers.Layer): KernelLayerInfo | null {
  const className = layer.getClassName();
  const kind = kernelKindOf(className);
  if (!kind) return null;
  const kernel = findWeight(layer, kind === 'depthwise' ? 'depthwise_kernel' : 'kernel');
  if (!kernel) return null;
  const s = kernel.shape as number[];
  const groups =
    kind === 'grouped' ? Number((layer.getConfig() as { groups?: number }).groups ?? 1) : 1;
  return {
    name: layer.name,
    className,
    kind,
    kernelShape: [...s],
    kernel,
    bias: findWeight(layer, 'bias'),
    params: countParams(layer),
    ...kernelDims(kind, s, groups),
  };
}

/** Total weights of a model's layers (what `model.countParams()` says, without building). */
export function modelParams(model: tf.LayersModel): number {
  let n = 0;
  for (const l of model.layers) n += countParams(l);
  return n;
}

export { countParams as layerParams };
