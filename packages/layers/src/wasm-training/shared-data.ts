import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { stockWasmKernel } from '../wasm-core/kernel-registry.js';

/** The input itself as the output: its data shared (the backend counts the references). */
function shared(x: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  (backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * tf.identity on wasm without a copy: the output shares the input's data, as on the cpu and
 * webgl backends. The stock wasm Identity copies the whole tensor, and the engine runs Identity
 * to keep every tensor an op saves for its gradient (each input of a Multiply, Sub, Abs... of the
 * loss on the HR patches: tens of [8, 64, 64, B] copies a step). Tensors are immutable, so the
 * shared data is never written.
 */
export const identityWasm: tf.KernelFunc = ({ inputs, backend }) =>
  shared((inputs as { x: tf.TensorInfo }).x, backend as tf.KernelBackend);

/**
 * tf.cast on wasm: to the dtype the tensor already has, the input shared as identityWasm does
 * (gradients cast float32 to float32, e.g. Abs's: a copy of [8, 64, 64, B] each on the stock
 * kernel); any other cast is the stock kernel's.
 */
export const castWasm: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if ((args.attrs as { dtype: tf.DataType }).dtype === x.dtype)
    return shared(x, args.backend as tf.KernelBackend);
  const stock = stockWasmKernel(tf.Cast);
  if (stock === undefined || stock === castWasm)
    throw new WasmKernelError(tf.Cast, 'the stock wasm Cast kernel is missing');
  return stock(args);
};
