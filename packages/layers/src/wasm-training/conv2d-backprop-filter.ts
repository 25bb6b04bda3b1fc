import * as tf from '@tensorflow/tfjs';
import { filterGradSetup } from './conv-attrs.js';
import { isPointwise, withWasmKernelScope } from '../wasm-core/kernel-scope.js';

/**
 * Filter gradient of a 2-D convolution (NHWC, any stride and padding) computed by the wasm
 * backend's own XNNPACK Conv2D on transposed tensors:
 *   dW[a,b,ci,co] = sum_{n,i,j} x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n,i,j,co]
 * is a 'valid' convolution of x viewed as [Ci,H,W,N] (batch Ci, channels N) with dy viewed as
 * the filter [Ho,Wo,N,Co], the forward stride becoming the dilation; its [Ci,kh,kw,Co] output
 * is transposed to [kh,kw,Ci,Co]. A 1x1 stride-1 unpadded conv is the product x^T.dy instead.
 */
export const conv2DBackpropFilterWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const kernel = tf.Conv2DBackpropFilter;
  const { info, filterShape } = filterGradSetup(kernel, x, dy, attrs, false);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  return withWasmKernelScope(backend as tf.KernelBackend, kernel, (k) => {
    if (isPointwise(info)) {
      // dW = x^T.dy over all pixels. XNNPACK has no transposed GEMM here (the stock BatchMatMul
      // with transposeA is ~20x slower), so transpose x explicitly and multiply plainly.
      const rows = batchSize * inHeight * inWidth;
      const xt = k.transpose(k.reshape(x, [rows, inChannels]), [1, 0]);
      const dym = k.reshape(dy, [1, rows, outChannels]);
      const dw = k.runStock(
        'BatchMatMul',
        { a: k.reshape(xt, [1, inChannels, rows]), b: dym },
        { transposeA: false, transposeB: false },
      );
      return k.reshape(dw, filterShape);
    }
    // Rows of the padded input that the 'valid' conv must span: (Ho-1)*sh + kh (likewise columns);
    // a negative bottom/right amount crops rows that no output reads.
    const bottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top;
    const right = (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left;
    const xt = k.transpose(x, [3, 1, 2, 0]);
    const xp = k.padOrCrop(xt, [padInfo.top, bottom], [padInfo.left, right]);
    const dyt = k.transpose(dy, [1, 2, 0, 3]);
    const conv = k.run(
      'Conv2D',
      { x: xp, filter: dyt },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [strideHeight, strideWidth] },
    );
    return k.transpose(conv, [1, 2, 0, 3]);
  });
};
