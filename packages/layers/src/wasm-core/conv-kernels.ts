import * as tf from '@tensorflow/tfjs';
import { stockWasmKernel } from './kernel-registry.js';

type TensorInfo = tf.TensorInfo;
type Shape4 = [number, number, number, number];

/** Attributes tfjs-core passes to the Conv2D, FusedConv2D and DepthwiseConv2dNative kernels. */
export interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

/** Whether a conv call is NHWC with every tensor float32: the only calls this package's kernels take. */
export function nhwcFloat32(attrs: { dataFormat?: string }, ...tensors: TensorInfo[]): boolean {
  return (attrs.dataFormat ?? 'NHWC') === 'NHWC' && tensors.every((t) => t.dtype === 'float32');
}

/** The forward conv's geometry (NHWC) from a conv kernel's attributes. */
export function nhwcConv2DInfo(
  x: TensorInfo,
  filter: TensorInfo,
  attrs: ConvAttrs,
  depthwise = false,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/** Whether a conv's geometry moves one sample at a time in both axes (stride 1, dilation 1). */
export function unitStrideAndDilation(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1
  );
}

/** The geometry of an NHWC float32 conv that moves one sample at a time (stride 1, dilation 1), else null. */
export function stride1ConvInfo(
  x: TensorInfo,
  filter: TensorInfo,
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo | null {
  if (!nhwcFloat32(attrs, x, filter)) return null;
  const info = nhwcConv2DInfo(x, filter, attrs);
  return unitStrideAndDilation(info) ? info : null;
}

/** One Conv2D or FusedConv2D call that a replacement kernel took. */
export interface ConvCall {
  backend: tf.KernelBackend;
  /** tf.Conv2D or tf.FusedConv2D. */
  kernelName: string;
  x: TensorInfo;
  filter: TensorInfo;
  info: tf.backend_util.Conv2DInfo;
  bias?: TensorInfo;
}

/**
 * A Conv2D and a FusedConv2D kernel that run `run` on the calls `takes` gives a geometry for
 * (FusedConv2D: only without an activation), and the stock wasm kernel on the others.
 */
export function convKernelPair(
  takes: (x: TensorInfo, filter: TensorInfo, attrs: ConvAttrs) => tf.backend_util.Conv2DInfo | null,
  run: (call: ConvCall) => TensorInfo,
): { conv2D: tf.KernelFunc; fusedConv2D: tf.KernelFunc } {
  const kernel =
    (kernelName: string): tf.KernelFunc =>
    (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo>;
      const attrs = args.attrs as unknown as ConvAttrs;
      const linear = (attrs.activation ?? 'linear') === 'linear' && !preluActivationWeights;
      const info = linear ? takes(x, filter, attrs) : null;
      if (!info) return stockWasmKernel(kernelName)!(args);
      return run({ backend: args.backend as tf.KernelBackend, kernelName, x, filter, info, bias });
    };
  return { conv2D: kernel(tf.Conv2D), fusedConv2D: kernel(tf.FusedConv2D) };
}
