import * as tf from '@tensorflow/tfjs';
import { inputGradSetup } from './conv-attrs.js';
import { withWasmKernelScope } from '../wasm-core/kernel-scope.js';

/**
 * Input gradient of a depthwise convolution (NHWC, any stride, dilation, padding and channel
 * multiplier) as a forward depthwise conv on the wasm backend:
 *   dx[n,p,q,c] = sum_{a,b,i,j,m: i*sh + a*dh - top = p, ...} dy[n,i,j,c*M+m] * f[a,b,c,m]
 * is dy (zero-interleaved when strided) padded by (kh-1)*dh - top above, convolved with the
 * filter flipped in both spatial axes at the same dilation; the M multiplier channels of each
 * input channel are then summed.
 */
export const depthwiseConv2dNativeBackpropInputWasm: tf.KernelFunc = ({
  inputs,
  backend,
  attrs,
}) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const kernel = tf.DepthwiseConv2dNativeBackpropInput;
  const { info } = inputGradSetup(kernel, dy, filter, attrs, true);
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const {
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padInfo,
  } = info;
  const multiplier = outChannels / inChannels;

  return withWasmKernelScope(backend as tf.KernelBackend, kernel, (k) => {
    const spread = k.interleaveZeros(dy, strideHeight, strideWidth);
    const top = (filterHeight - 1) * dilationHeight - padInfo.top;
    const left = (filterWidth - 1) * dilationWidth - padInfo.left;
    // The 'valid' conv below returns rows + top + bottom - (kh-1)*dh rows: make that inHeight.
    const bottom = inHeight + padInfo.top - spread.shape[1];
    const right = inWidth + padInfo.left - spread.shape[2];
    const dyp = k.padOrCrop(spread, [top, bottom], [left, right]);
    const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const flat = k.reshape(flipped, [filterHeight, filterWidth, outChannels, 1]);
    const dx = k.run(
      'DepthwiseConv2dNative',
      { x: dyp, filter: flat },
      { strides: [1, 1], pad: 'valid', dilations: [dilationHeight, dilationWidth] },
    );
    if (multiplier === 1) return dx;
    const grouped = k.reshape(dx, [batchSize, inHeight, inWidth, inChannels, multiplier]);
    return k.sum(grouped, [4]);
  });
};
