import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';

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

type Shape4 = [number, number, number, number];

/** A filter-gradient kernel's start: its attributes checked, and the forward conv's geometry. */
export function filterGradSetup(
  kernel: string,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: unknown,
  depthwise: boolean,
): { info: tf.backend_util.Conv2DInfo; filterShape: Shape4 } {
  const { filterShape, ...conv } = attrs as ConvBackpropAttrs & { filterShape: Shape4 };
  checkNhwcFloat32(kernel, { x, dy }, depthwise ? undefined : conv.dataFormat);
  const image = { name: 'x' as const, shape: x.shape as Shape4 };
  return { info: backpropConvInfo(kernel, conv, image, filterShape, dy, depthwise), filterShape };
}

/** An input-gradient kernel's start: its attributes checked, and the forward conv's geometry. */
export function inputGradSetup(
  kernel: string,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: unknown,
  depthwise: boolean,
): { info: tf.backend_util.Conv2DInfo; inputShape: Shape4 } {
  const { inputShape, ...conv } = attrs as ConvBackpropAttrs & { inputShape: Shape4 };
  checkNhwcFloat32(kernel, { dy, filter }, depthwise ? undefined : conv.dataFormat);
  const image = { name: 'input' as const, shape: inputShape };
  const info = backpropConvInfo(kernel, conv, image, filter.shape as Shape4, dy, depthwise);
  return { info, inputShape };
}
