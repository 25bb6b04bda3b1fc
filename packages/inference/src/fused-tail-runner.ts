import { findSubPixelTail, SubPixelTail, type SubPixelTailOptions } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { modelTileRunner, type TileRunner } from './tiled-inference.js';

export interface FusedTileRunner {
  runner: TileRunner;
  /** 'relaxed' or 'simd' when the tail runs fused, else null with the reason in `reason`. */
  simd: SubPixelTail['simd'] | null;
  reason?: string;
}

/** Backends whose own conv/shuffle/resize are slower than the fused WebAssembly tail. */
const CPU_BACKENDS = new Set(['wasm', 'cpu']);

/**
 * A tile runner that runs the model up to its upsampling conv on the current TF.js backend and
 * the sub-pixel tail (conv, PixelShuffle, bicubic skip) as one WebAssembly SIMD pass
 * (`SubPixelTail` of @hsrkit/layers): the same numbers to float32 rounding. Falls back to the
 * plain model runner, saying why, where the model has no such tail or the backend is a GPU one
 * (the GPU runs those layers faster itself).
 */
export async function fusedTileRunner(
  model: tf.LayersModel,
  options: SubPixelTailOptions & {
    /** Return a view of the tail's memory, valid until the next call, instead of a copy. */
    view?: boolean;
  } = {},
): Promise<FusedTileRunner> {
  if (!CPU_BACKENDS.has(tf.getBackend()))
    return {
      runner: modelTileRunner(model),
      simd: null,
      reason: `the ${tf.getBackend()} backend runs the tail itself`,
    };
  const split = findSubPixelTail(model);
  if ('reason' in split)
    return { runner: modelTileRunner(model), simd: null, reason: split.reason };
  const tail = await SubPixelTail.create(split.spec, options);
  const { features } = split;
  const runner: TileRunner = async (lr, h, w, b, rows) => {
    const f = tf.tidy(() => features.predict(tf.tensor4d(lr, [1, h, w, b])) as tf.Tensor);
    let data: Float32Array;
    try {
      data = (await f.data()) as Float32Array;
    } finally {
      f.dispose();
    }
    // Rows that blending weighs 0 are not computed.
    return tail.run(data, h, w, lr, { view: options.view, rows });
  };
  return { runner, simd: tail.simd };
}
