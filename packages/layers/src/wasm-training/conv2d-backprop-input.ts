import * as tf from '@tensorflow/tfjs';
import { inputGradSetup } from './conv-attrs.js';
import { isPointwise, withWasmKernelScope } from '../wasm-core/kernel-scope.js';

/**
 * Input gradient of a 2-D convolution (NHWC, any stride and padding) as a forward XNNPACK
 * Conv2D on the wasm backend:
 *   dx[n,p,q,ci] = sum_{a,b,i,j,co: i*sh + a - top = p, ...} dy[n,i,j,co] * w[a,b,ci,co]
 * is dy (zero-interleaved when strided) padded by kh-1-top above, convolved with w flipped in
 * both spatial axes and transposed to [kh,kw,Co,Ci]. A 1x1 stride-1 unpadded conv is dy.w^T.
 * tfjs-backend-wasm 4.22 has its own Conv2DBackpropInput, a direct loop that runs ~9x slower
 * than this on LKCA-Net's upsampler; registerWasmTrainingKernels swaps it in only on request.
 */
export const conv2DBackpropInputWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const kernel = tf.Conv2DBackpropInput;
  const { info, inputShape } = inputGradSetup(kernel, dy, filter, attrs, false);
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  return withWasmKernelScope(backend as tf.KernelBackend, kernel, (k) => {
    if (isPointwise(info)) {
      // dx = dy.w^T over all pixels, with w transposed explicitly (see conv2DBackpropFilterWasm).
      const rows = batchSize * inHeight * inWidth;
      const wt = k.transpose(k.reshape(filter, [inChannels, outChannels]), [1, 0]);
      const dym = k.reshape(dy, [1, rows, outChannels]);
      const dx = k.runStock(
        'BatchMatMul',
        { a: dym, b: k.reshape(wt, [1, outChannels, inChannels]) },
        { transposeA: false, transposeB: false },
      );
      return k.reshape(dx, inputShape);
    }
    const spread = k.interleaveZeros(dy, strideHeight, strideWidth);
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    // The 'valid' conv below returns rows + top + bottom - (kh-1) rows: make that inHeight.
    const bottom = inHeight + padInfo.top - spread.shape[1];
    const right = inWidth + padInfo.left - spread.shape[2];
    const dyp = k.padOrCrop(spread, [top, bottom], [left, right]);
    const flipped = k.transpose(k.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    return k.run(
      'Conv2D',
      { x: dyp, filter: flipped },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
    );
  });
};
