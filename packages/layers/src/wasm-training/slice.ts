import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { stockWasmKernel } from '../wasm-core/kernel-registry.js';

/** What this kernel reads of the wasm backend: outputs made in its heap, and the heap. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  wasm: { HEAPF32: Float32Array };
}

/**
 * tf.slice on wasm. The stock Slice copies the whole input out of the heap (readSync) and then
 * each innermost row with a new subarray: the band differences of a spectral-gradient loss
 * (`[8, 64, 64, B]` -> B - 1 bands) take tens of ms each. Here every contiguous run of the slice
 * (the last partial axis and the whole axes after it) is one copyWithin inside the heap, a byte
 * copy (float32 and int32 alike). Contiguous slices, other dtypes and other backends' data go
 * to the stock kernel.
 */
export const sliceWasm: tf.KernelFunc = (args) => {
  const { inputs, attrs } = args;
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const b = args.backend as unknown as WasmHeapBackend;
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const shape = x.shape;
  const inAt = b.dataIdMap?.get(x.dataId)?.memoryOffset;
  if (
    (x.dtype !== 'float32' && x.dtype !== 'int32') ||
    inAt === undefined ||
    inAt % 4 !== 0 ||
    typeof b.makeOutput !== 'function' ||
    extent.some((e) => e === 0) ||
    tf.slice_util.isSliceContinous(shape, start, extent)
  )
    return stockSlice(args);
  // The run: from the last axis sliced short, with every whole axis after it.
  let axis = shape.length - 1;
  while (axis > 0 && extent[axis] === shape[axis] && start[axis] === 0) axis--;
  const inner = tf.util.sizeFromShape(shape.slice(axis + 1));
  const run = extent[axis] * inner;
  const strides = tf.util.computeStrides(shape);
  const out = b.makeOutput(extent, x.dtype);
  const outAt = b.dataIdMap.get(out.dataId)!.memoryOffset / 4;
  // The heap view only after makeOutput (it may have grown the memory).
  const heap = b.wasm.HEAPF32;
  const base = inAt / 4 + start[axis] * inner;
  // An odometer over the axes before `axis`.
  const outer = extent.slice(0, axis);
  const index = outer.map(() => 0);
  const rows = tf.util.sizeFromShape(outer);
  for (let r = 0; r < rows; r++) {
    let from = base;
    for (let d = 0; d < axis; d++) from += (start[d] + index[d]) * strides[d];
    heap.copyWithin(outAt + r * run, from, from + run);
    for (let d = axis - 1; d >= 0; d--) {
      if (++index[d] < outer[d]) break;
      index[d] = 0;
    }
  }
  return out;
};

function stockSlice(args: Parameters<tf.KernelFunc>[0]) {
  const stock = stockWasmKernel(tf.Slice);
  if (stock === undefined || stock === sliceWasm)
    throw new WasmKernelError(tf.Slice, 'the stock wasm Slice kernel is missing');
  return stock(args);
}
