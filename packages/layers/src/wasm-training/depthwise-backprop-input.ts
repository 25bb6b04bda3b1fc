import * as tf from '@tensorflow/tfjs';
import { type BackpropCall, backpropKernel, inputGradPads } from './conv-attrs.js';

/**
 * Input gradient of a depthwise convolution (NHWC, any stride, dilation, padding and channel
 * multiplier) as a forward depthwise conv on the wasm backend:
 *   dx[n,p,q,c] = sum_{a,b,i,j,m: i*sh + a*dh - top = p, ...} dy[n,i,j,c*M+m] * f[a,b,c,m]
 * is dy (zero-interleaved when strided) padded by (kh-1)*dh - top above, convolved with the
 * filter flipped in both spatial axes at the same dilation; the M multiplier channels of each
 * input channel are then summed.
 */
function inputGrad({ k, dy, info, gradShape }: BackpropCall, filter: tf.TensorInfo): tf.TensorInfo {
  const { inChannels, outChannels } = info;
  const spread = k.interleaveZeros(dy, info.strideHeight, info.strideWidth);
  const dyp = k.padOrCrop(spread, ...inputGradPads(info, spread));
  const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
  const flat = k.reshape(flipped, [info.filterHeight, info.filterWidth, outChannels, 1]);
  const dilations = [info.dilationHeight, info.dilationWidth];
  const dx = k.run(
    'DepthwiseConv2dNative',
    { x: dyp, filter: flat },
    { strides: [1, 1], pad: 'valid', dilations },
  );
  // The M multiplier channels of each input channel are adjacent: sum them.
  if (outChannels === inChannels) return dx;
  return k.sum(k.reshape(dx, [...gradShape, outChannels / inChannels]), [4]);
}

export const depthwiseConv2dNativeBackpropInputWasm = backpropKernel(
  tf.DepthwiseConv2dNativeBackpropInput,
  inputGrad,
);
