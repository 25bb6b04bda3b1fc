import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { WasmKernelScope } from '../wasm-core/kernel-scope.js';
import { stockWasmKernel } from '../wasm-core/kernel-registry.js';

/**
 * tf.unstack (the gradient of tf.stack) on wasm. The stock Unpack slices each output with a
 * strided Slice, which falls back to element-by-element JavaScript above rank 4 (1.2 s for
 * LKCA's [8,16,16,64,3] along the last axis). Here one rank-3 Transpose brings the axis to the
 * front, after which every output is a contiguous Slice.
 */
export const unpackWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { value } = inputs as { value: tf.TensorInfo };
  const rank = value.shape.length;
  const raw = (attrs as { axis: number }).axis;
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank)
    throw new WasmKernelError(tf.Unpack, `axis ${raw} is out of range for shape [${value.shape}]`);
  if (value.dtype === 'string') {
    const stock = stockWasmKernel(tf.Unpack);
    if (stock === undefined || stock === unpackWasm)
      throw new WasmKernelError(tf.Unpack, 'the stock wasm Unpack kernel is missing');
    return stock({ inputs, backend, attrs });
  }
  const count = value.shape[axis];
  const outShape = value.shape.filter((_, i) => i !== axis);
  const before = tf.util.sizeFromShape(value.shape.slice(0, axis));
  const after = tf.util.sizeFromShape(value.shape.slice(axis + 1));
  const k = new WasmKernelScope(backend as tf.KernelBackend, tf.Unpack);
  try {
    const front =
      before === 1
        ? k.reshape(value, [count, 1, after])
        : k.transpose(k.reshape(value, [before, count, after]), [1, 0, 2]);
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < count; i++) {
      const slab = k.run(tf.Slice, { x: front }, { begin: [i, 0, 0], size: [1, before, after] });
      outs.push(k.keep(k.reshape(slab, outShape)));
    }
    return outs;
  } finally {
    k.dispose();
  }
};
