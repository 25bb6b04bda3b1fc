import * as tf from '@tensorflow/tfjs';
import { type BackpropCall, backpropKernel, inputGradPads } from './conv-attrs.js';

/**
 * Input gradient of a 2-D convolution (NHWC, any stride and padding) as a forward XNNPACK
 * Conv2D on the wasm backend:
 *   dx[n,p,q,ci] = sum_{a,b,i,j,co: i*sh + a - top = p, ...} dy[n,i,j,co] * w[a,b,ci,co]
 * is dy (zero-interleaved when strided) padded by kh-1-top above, convolved with w flipped in
 * both spatial axes and transposed to [kh,kw,Co,Ci]. A 1x1 stride-1 unpadded conv is dy.w^T
 * (backpropKernel).
 * tfjs-backend-wasm 4.22 has its own Conv2DBackpropInput, a direct loop that runs ~9x slower
 * than this on LKCA-Net's upsampler; registerWasmTrainingKernels swaps it in only on request.
 */
function inputGrad({ k, dy, info }: BackpropCall, filter: tf.TensorInfo): tf.TensorInfo {
  const spread = k.interleaveZeros(dy, info.strideHeight, info.strideWidth);
  const dyp = k.padOrCrop(spread, ...inputGradPads(info, spread));
  const flipped = k.transpose(k.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
  return k.run(
    'Conv2D',
    { x: dyp, filter: flipped },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
}

export const conv2DBackpropInputWasm = backpropKernel(tf.Conv2DBackpropInput, inputGrad);
