import * as tf from '@tensorflow/tfjs';
import { type BackpropCall, backpropKernel, filterGradPads } from './conv-attrs.js';

/**
 * Filter gradient of a 2-D convolution (NHWC, any stride and padding) computed by the wasm
 * backend's own XNNPACK Conv2D on transposed tensors:
 *   dW[a,b,ci,co] = sum_{n,i,j} x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n,i,j,co]
 * is a 'valid' convolution of x viewed as [Ci,H,W,N] (batch Ci, channels N) with dy viewed as
 * the filter [Ho,Wo,N,Co], the forward stride becoming the dilation; its [Ci,kh,kw,Co] output
 * is transposed to [kh,kw,Ci,Co]. A 1x1 stride-1 unpadded conv is the product x^T.dy instead
 * (backpropKernel).
 */
function filterGrad({ k, dy, info }: BackpropCall, x: tf.TensorInfo): tf.TensorInfo {
  const xp = k.padOrCrop(k.transpose(x, [3, 1, 2, 0]), ...filterGradPads(info));
  const dyt = k.transpose(dy, [1, 2, 0, 3]);
  const dilations = [info.strideHeight, info.strideWidth];
  const conv = k.run(
    'Conv2D',
    { x: xp, filter: dyt },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations },
  );
  return k.transpose(conv, [1, 2, 0, 3]);
}

export const conv2DBackpropFilterWasm = backpropKernel(tf.Conv2DBackpropFilter, filterGrad);
