import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { withWasmKernelScope } from '../wasm-core/kernel-scope.js';
import { stockWasmKernel } from '../wasm-core/kernel-registry.js';

/**
 * tf.stack on wasm. The stock Pack concatenates along the new axis with one typed-array copy per
 * element when that axis is last (LKCA's channel interleave: 120 ms for three [8,16,16,64]).
 * Here the inputs are concatenated whole (contiguous copies) into [k, before, after] and one
 * rank-3 Transpose moves k into place.
 */
export const packWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const values = inputs as unknown as tf.TensorInfo[];
  const shape = values[0].shape;
  const requested = (attrs as { axis: number }).axis;
  const axis = requested < 0 ? requested + shape.length + 1 : requested;
  if (values[0].dtype === 'string') return stockPack({ inputs, backend, attrs });
  for (const v of values)
    if (v.shape.join() !== shape.join() || v.dtype !== values[0].dtype)
      throw new WasmKernelError(
        tf.Pack,
        `all inputs must have shape [${shape}] and dtype ${values[0].dtype}, got [${v.shape}] ${v.dtype}`,
      );
  const outShape = [...shape.slice(0, axis), values.length, ...shape.slice(axis)];
  return withWasmKernelScope(backend as tf.KernelBackend, tf.Pack, (k) => {
    const before = tf.util.sizeFromShape(shape.slice(0, axis));
    const after = tf.util.sizeFromShape(shape.slice(axis));
    const rows = values.map((v) => k.reshape(v, [1, before, after]));
    const stacked =
      values.length === 1
        ? rows[0]
        : k.run(tf.Concat, rows as unknown as Record<string, tf.TensorInfo>, { axis: 0 });
    const moved = before === 1 ? stacked : k.transpose(stacked, [1, 0, 2]);
    return k.reshape(moved, outShape);
  });
};

function stockPack(args: Parameters<tf.KernelFunc>[0]) {
  const stock = stockWasmKernel(tf.Pack);
  if (stock === undefined || stock === packWasm)
    throw new WasmKernelError(tf.Pack, 'the stock wasm Pack kernel is missing');
  return stock(args);
}
