import * as tf from '@tensorflow/tfjs';
import { type BackpropCall, backpropKernel, filterGradPads } from './conv-attrs.js';

/**
 * Filter gradient of a depthwise convolution (NHWC, any stride, dilation, padding and channel
 * multiplier) as one forward depthwise conv on the wasm backend:
 *   df[a,b,c,m] = sum_{n,i,j} x[n, i*sh + a*dh - top, j*sw + b*dw - left, c] * dy[n,i,j,c*M+m]
 * is, per (n, c, m) channel, a correlation of x with dy; with x viewed as one image
 * [1,H,W,N*C*M] and dy as a depthwise filter [Ho,Wo,N*C*M,1], the forward dilation becomes the
 * stride and the forward stride the dilation. The [kh,kw,N,C*M] result is summed over N.
 */
function filterGrad({ k, dy, info, gradShape }: BackpropCall, x: tf.TensorInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const multiplier = outChannels / inChannels;
  let xs = x;
  if (multiplier > 1) {
    // Repeat each input channel M times so channel c*M+m of x lines up with that of dy.
    const split = k.reshape(x, [batchSize, inHeight, inWidth, inChannels, 1]);
    const tiled = k.run('Tile', { x: split }, { reps: [1, 1, 1, 1, multiplier] });
    xs = k.reshape(tiled, [batchSize, inHeight, inWidth, outChannels]);
  }
  const channels = batchSize * outChannels;
  const xt = k.reshape(k.transpose(xs, [1, 2, 0, 3]), [1, inHeight, inWidth, channels]);
  const xp = k.padOrCrop(xt, ...filterGradPads(info));
  const dyt = k.reshape(k.transpose(dy, [1, 2, 0, 3]), [outHeight, outWidth, channels, 1]);
  const corr = k.run(
    'DepthwiseConv2dNative',
    { x: xp, filter: dyt },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      pad: 'valid',
      dilations: [info.strideHeight, info.strideWidth],
    },
  );
  const perImage = k.reshape(corr, [info.filterHeight, info.filterWidth, batchSize, outChannels]);
  const summed = batchSize === 1 ? perImage : k.sum(perImage, [2]);
  return k.reshape(summed, gradShape);
}

export const depthwiseConv2dNativeBackpropFilterWasm = backpropKernel(
  tf.DepthwiseConv2dNativeBackpropFilter,
  filterGrad,
);
