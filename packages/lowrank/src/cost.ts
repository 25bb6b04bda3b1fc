import type { KernelLayerInfo } from './kernel-layer.js';

/** What the cost of a kernel layer depends on: its kind and kernel geometry. */
export type KernelGeometry = Pick<
  KernelLayerInfo,
  'kind' | 'kh' | 'kw' | 'cin' | 'cout' | 'groups'
>;

/** Stride, padding and dilation of a spatial layer, read from its config. */
export interface SpatialConfig {
  strides: [number, number];
  dilation: [number, number];
  padding: 'same' | 'valid' | string;
}

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)];
  if (typeof v === 'number') return [v, v];
  return [fallback, fallback];
}

export function spatialConfig(config: Record<string, unknown>): SpatialConfig {
  return {
    strides: pair(config.strides, 1),
    dilation: pair(config.dilationRate, 1),
    padding: String(config.padding ?? 'same'),
  };
}

/** [H, W] of a layer input shape without batch, channels last or first as the layer says. */
export function spatialDims(
  inputShape: readonly number[],
  config: Record<string, unknown>,
): [number, number] {
  return config.dataFormat === 'channelsFirst'
    ? [inputShape[1], inputShape[2]]
    : [inputShape[0], inputShape[1]];
}

/** Output length of a conv along one axis (Keras conv_output_length). */
export function convOutputLength(
  len: number,
  k: number,
  stride: number,
  dilation: number,
  padding: string,
): number {
  const eff = (k - 1) * dilation + 1;
  const full = padding === 'valid' ? len - eff + 1 : len;
  return Math.ceil(full / stride);
}

/** Output length of a transposed conv along one axis (Keras deconv_length, no output padding). */
export function deconvOutputLength(
  len: number,
  k: number,
  stride: number,
  padding: string,
): number {
  return padding === 'valid' ? len * stride + Math.max(k - stride, 0) : len * stride;
}

/**
 * Multiply-accumulates of one call of a kernel layer on one sample, given the layer's input
 * shape without the batch axis (NHWC: [H, W, C]; Dense: [..., Cin]). Bias adds and activations
 * are not counted. FLOPs are reported as 2 x MACs throughout this package.
 */
export function layerMacs(
  info: KernelGeometry,
  inputShape: readonly number[],
  config: Record<string, unknown>,
): number {
  const { kh, kw, cin, cout, groups, kind } = info;
  if (kind === 'dense') {
    let positions = 1;
    for (let i = 0; i < inputShape.length - 1; i++) positions *= inputShape[i];
    return positions * cin * cout;
  }
  const [h, w] = spatialDims(inputShape, config);
  const sc = spatialConfig(config);
  if (kind === 'conv2dTranspose') return h * w * kh * kw * cin * cout;
  const oh = convOutputLength(h, kh, sc.strides[0], sc.dilation[0], sc.padding);
  const ow = convOutputLength(w, kw, sc.strides[1], sc.dilation[1], sc.padding);
  if (kind === 'depthwise') return oh * ow * kh * kw * cout;
  return oh * ow * kh * kw * (cin / groups) * cout;
}

/** Output spatial size [H, W] of a spatial kernel layer for an input [H, W, ...]. */
export function layerOutputSize(
  info: KernelGeometry,
  inputShape: readonly number[],
  config: Record<string, unknown>,
): [number, number] {
  const sc = spatialConfig(config);
  const [h, w] = spatialDims(inputShape, config);
  if (info.kind === 'conv2dTranspose')
    return [
      deconvOutputLength(h, info.kh, sc.strides[0], sc.padding),
      deconvOutputLength(w, info.kw, sc.strides[1], sc.padding),
    ];
  return [
    convOutputLength(h, info.kh, sc.strides[0], sc.dilation[0], sc.padding),
    convOutputLength(w, info.kw, sc.strides[1], sc.dilation[1], sc.padding),
  ];
}

/** The output shape (without batch) of a kernel layer for an input shape without batch. */
export function layerOutputShape(
  info: KernelGeometry,
  inputShape: readonly number[],
  config: Record<string, unknown>,
): number[] {
  if (info.kind === 'dense') return [...inputShape.slice(0, -1), info.cout];
  const [oh, ow] = layerOutputSize(info, inputShape, config);
  return config.dataFormat === 'channelsFirst' ? [info.cout, oh, ow] : [oh, ow, info.cout];
}
