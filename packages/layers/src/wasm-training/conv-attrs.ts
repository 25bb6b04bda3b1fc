import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import {
  isPointwise,
  type Pads2,
  type WasmKernelScope,
  withWasmKernelScope,
} from '../wasm-core/kernel-scope.js';

type Shape4D = [number, number, number, number];

/** Attributes tfjs-core passes to the conv2d and depthwise backprop kernels (NHWC only). */
export interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Conv2D's backprops only; the depthwise ones are NHWC by definition. */
  dataFormat?: 'NHWC' | 'NCHW';
  /** The depthwise backprops only: tfjs-core's Conv2D gradient requires dilation 1. */
  dilations?: [number, number] | number;
}

/** Throws unless the layout is NHWC and every named tensor is float32. */
export function checkNhwcFloat32(
  kernel: string,
  tensors: Record<string, tf.TensorInfo>,
  dataFormat?: ConvBackpropAttrs['dataFormat'],
): void {
  if (dataFormat === 'NCHW')
    throw new WasmKernelError(kernel, `dataFormat 'NCHW' is not supported on wasm; use 'NHWC'`);
  const named = Object.entries(tensors);
  if (named.some(([, t]) => t.dtype !== 'float32'))
    throw new WasmKernelError(
      kernel,
      `needs float32 ${named.map(([name]) => name).join(' and ')}, got ${named.map(([, t]) => t.dtype).join(' and ')}`,
    );
}

/**
 * The forward conv's geometry for a backprop kernel, after checking that dy has the forward
 * output's shape; `image` names the input-side shape in that error ('x' or 'input'). Only a
 * depthwise conv reads `attrs.dilations`.
 */
export function backpropConvInfo(
  kernel: string,
  attrs: ConvBackpropAttrs,
  image: { name: 'x' | 'input'; shape: Shape4D },
  filterShape: Shape4D,
  dy: tf.TensorInfo,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  const info = tf.backend_util.computeConv2DInfo(
    image.shape,
    filterShape,
    attrs.strides,
    depthwise ? attrs.dilations! : 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  const { batchSize, outHeight, outWidth, outChannels } = info;
  if (dy.shape.join() !== [batchSize, outHeight, outWidth, outChannels].join())
    throw new WasmKernelError(
      kernel,
      `dy has shape [${dy.shape}] but ${image.name} [${image.shape}] with filter [${filterShape}] gives [${info.outShape}]`,
    );
  return info;
}

/** One backprop call: its dy, the forward conv's geometry, the gradient's shape, and its kernel scope. */
export interface BackpropCall {
  k: WasmKernelScope;
  dy: tf.TensorInfo;
  info: tf.backend_util.Conv2DInfo;
  /** The shape of the gradient the kernel returns (the filter's or the input's). */
  gradShape: Shape4D;
}

/** Which gradient each backprop kernel gives, and whether of a depthwise conv. */
const BACKPROPS: Record<string, { wrt: 'filter' | 'input'; depthwise: boolean }> = {
  [tf.Conv2DBackpropFilter]: { wrt: 'filter', depthwise: false },
  [tf.Conv2DBackpropInput]: { wrt: 'input', depthwise: false },
  [tf.DepthwiseConv2dNativeBackpropFilter]: { wrt: 'filter', depthwise: true },
  [tf.DepthwiseConv2dNativeBackpropInput]: { wrt: 'input', depthwise: true },
};

/**
 * The gradient of a pointwise conv (1x1, stride 1, unpadded) as one GEMM over all pixels:
 * dW = x^T.dy, dx = dy.w^T (`other`: x or w), the transposes explicit (WasmKernelScope.matMul).
 */
function pointwiseGrad(c: BackpropCall, wrt: 'filter' | 'input', other: tf.TensorInfo) {
  const { k, dy, info } = c;
  const { inChannels: cin, outChannels: cout } = info;
  const rows = info.batchSize * info.inHeight * info.inWidth;
  const product =
    wrt === 'filter'
      ? k.matMul(k.transposed(other, rows, cin), dy, [cin, rows, cout])
      : k.matMul(dy, k.transposed(other, cin, cout), [rows, cout, cin]);
  return k.reshape(product, c.gradShape);
}

/**
 * A backprop kernel (one of BACKPROPS) that checks its attributes and dy, then runs `body` in a
 * wasm kernel scope; a Conv2D one runs a pointwise conv as a GEMM instead. `body` gets x (the
 * filter gradients, inputs x and dy, attr filterShape) or the filter (the input gradients,
 * inputs dy and filter, attr inputShape) as `other`.
 */
export function backpropKernel(
  kernel: string,
  body: (call: BackpropCall, other: tf.TensorInfo) => tf.TensorInfo,
): tf.KernelFunc {
  const { wrt, depthwise } = BACKPROPS[kernel];
  return ({ inputs, backend, attrs }) => {
    const { dy, x, filter } = inputs as Record<string, tf.TensorInfo>;
    const { filterShape, inputShape, ...conv } = attrs as unknown as ConvBackpropAttrs & {
      filterShape: Shape4D;
      inputShape: Shape4D;
    };
    const dataFormat = depthwise ? undefined : conv.dataFormat;
    const ofFilter = wrt === 'filter';
    checkNhwcFloat32(kernel, ofFilter ? { x, dy } : { dy, filter }, dataFormat);
    const image = ofFilter
      ? { name: 'x' as const, shape: x.shape as Shape4D }
      : { name: 'input' as const, shape: inputShape };
    const fShape = ofFilter ? filterShape : (filter.shape as Shape4D);
    const info = backpropConvInfo(kernel, conv, image, fShape, dy, depthwise);
    const gradShape = ofFilter ? filterShape : inputShape;
    const other = ofFilter ? x : filter;
    return withWasmKernelScope(backend as tf.KernelBackend, kernel, (k) => {
      const call = { k, dy, info, gradShape };
      return !depthwise && isPointwise(info) ? pointwiseGrad(call, wrt, other) : body(call, other);
    });
  };
}

/**
 * What to pad (negative: crop) above/below and left/right of x for a filter gradient: a 'valid'
 * correlation of x with dy, the forward stride as its dilation and the forward dilation as its
 * stride, gives the kh filter rows exactly when it spans (kh-1)*dh + (Ho-1)*sh + 1 rows
 * (likewise columns); rows no output reads are cropped.
 */
export function filterGradPads(info: tf.backend_util.Conv2DInfo): [Pads2, Pads2] {
  const { padInfo } = info;
  const span = (taps: number, dilation: number, outputs: number, stride: number) =>
    (taps - 1) * dilation + (outputs - 1) * stride + 1;
  const rows = span(info.filterHeight, info.dilationHeight, info.outHeight, info.strideHeight);
  const cols = span(info.filterWidth, info.dilationWidth, info.outWidth, info.strideWidth);
  return [
    [padInfo.top, rows - info.inHeight - padInfo.top],
    [padInfo.left, cols - info.inWidth - padInfo.left],
  ];
}

/**
 * What to pad (negative: crop) around dy, zero-interleaved when strided (`spread`), for an input
 * gradient: the 'valid' conv with the flipped filter at the forward dilation needs (kh-1)*dh - top
 * rows above, and returns rows + top + bottom - (kh-1)*dh rows, which must be the input's height
 * (likewise columns).
 */
export function inputGradPads(
  info: tf.backend_util.Conv2DInfo,
  spread: tf.TensorInfo,
): [Pads2, Pads2] {
  const { padInfo } = info;
  return [
    [
      (info.filterHeight - 1) * info.dilationHeight - padInfo.top,
      info.inHeight + padInfo.top - spread.shape[1],
    ],
    [
      (info.filterWidth - 1) * info.dilationWidth - padInfo.left,
      info.inWidth + padInfo.left - spread.shape[2],
    ],
  ];
}
