import * as tf from '@tensorflow/tfjs';

/**
 * TF.js's WebGPU AddN binds every input as its own storage buffer, and a pipeline with more than
 * the device's `maxStorageBuffersPerShaderStage` (8 by default: the inputs plus the output) is
 * invalid: the sum silently comes out wrong. Seven inputs per AddN fit every backend.
 */
const MAX_ADDN_INPUTS = 7;

/**
 * The element-wise sum of any number of tensors of one shape (e.g. the squared norms of every
 * gradient, for clipping), as `tf.addN` but in calls of at most seven inputs so that it is right
 * on WebGPU too.
 */
export function sumTensors<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (!tensors.length) throw new RangeError('sumTensors: no tensors');
  return tf.tidy(() => {
    let list: tf.Tensor[] = [...tensors];
    while (list.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < list.length; i += MAX_ADDN_INPUTS) {
        const chunk = list.slice(i, i + MAX_ADDN_INPUTS);
        next.push(chunk.length === 1 ? chunk[0] : tf.addN(chunk));
      }
      list = next;
    }
    // A single input comes back as a new tensor (tidy keeps it), never as the caller's own.
    return (list[0] === tensors[0] ? tf.clone(list[0]) : list[0]) as T;
  });
}
