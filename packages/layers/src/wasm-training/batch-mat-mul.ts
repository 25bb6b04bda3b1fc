import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { withWasmKernelScope } from '../wasm-core/kernel-scope.js';
import { stockWasmKernel } from '../wasm-core/kernel-registry.js';

/**
 * BatchMatMul with transposeA / transposeB on wasm. The stock kernel runs a plain product on
 * its fast path but a transposed one ~20x slower (a^T.b, [2048,192]^T x [2048,64]: 103 ms vs
 * 4.5 ms), and every matMul gradient is a transposed product. This transposes the operand
 * explicitly (a fast rank-3 Transpose) and calls the stock kernel untransposed.
 */
export const batchMatMulWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const stock = stockWasmKernel(tf.BatchMatMul);
  if (stock === undefined || stock === batchMatMulWasm)
    throw new WasmKernelError(tf.BatchMatMul, 'the stock wasm BatchMatMul kernel is missing');
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32')
    return stock({ inputs, backend, attrs });
  return withWasmKernelScope(backend as tf.KernelBackend, tf.BatchMatMul, (k) => {
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length;
      const [rows, cols] = [t.shape[r - 2], t.shape[r - 1]];
      const batch = tf.util.sizeFromShape(t.shape.slice(0, -2));
      const swapped = k.transpose(k.reshape(t, [batch, rows, cols]), [0, 2, 1]);
      return k.reshape(swapped, [...t.shape.slice(0, -2), cols, rows]);
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    return k.adopt(
      stock({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo,
    );
  });
};
