import { pytorchToTfShuffleChannels } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import type { SafeTensor } from './safetensors.js';

/** A state dict tensor that the model has no place for, or a model weight that nothing maps to. */
export class WeightMappingError extends Error {
  override name = 'WeightMappingError';
}

/** One weight in TF.js layout. */
export interface MappedWeight {
  values: Float32Array;
  shape: number[];
}

/** Axis orders that take PyTorch's layout of the common kernels to TF.js's (for `take`). */
export const PYTORCH_TO_TF_AXES = {
  /** nn.Conv2d weight [out, in/groups, kh, kw] -> Conv2D kernel [kh, kw, in/groups, out]. */
  conv2d: [2, 3, 1, 0],
  /** Depthwise nn.Conv2d weight [C*m, 1, kh, kw] -> DepthwiseConv2D kernel [kh, kw, C*m, 1]. */
  depthwiseConv2d: [2, 3, 0, 1],
  /** nn.Linear weight [out, in] -> Dense kernel [in, out]. */
  linear: [1, 0],
  /** Biases and other vectors, as they are. */
  vector: [0],
} as const;

function transposeValues(t: SafeTensor, perm: readonly number[]): MappedWeight {
  const shape = perm.map((p) => t.shape[p]);
  const tensor = tf.tidy(() => tf.transpose(tf.tensor(t.values, t.shape), perm as number[]));
  const values = new Float32Array(tensor.dataSync() as Float32Array);
  tensor.dispose();
  return { values, shape };
}

/**
 * Copies the tensors of a PyTorch state dict into a TF.js LayersModel, layer by layer: the
 * bookkeeping every PyTorch import needs (transposes, shape checks, and at the end, that every
 * tensor of the dict found a place). Which key goes to which layer is the model's own knowledge,
 * given by the caller (see `@hsrkit/lkca-net`'s `loadPytorchStateDict`). Errors name the file, the
 * key and the layer.
 */
export class StateDictImporter {
  private readonly used = new Set<string>();

  constructor(
    readonly model: tf.LayersModel,
    readonly dict: Map<string, SafeTensor>,
    readonly file = '<state dict>',
  ) {}

  has(key: string): boolean {
    return this.dict.has(key);
  }

  /** The tensor `key`, its axes reordered by `perm` (e.g. `PYTORCH_TO_TF_AXES.conv2d`); marks it used. */
  take(key: string, perm: readonly number[]): MappedWeight {
    const t = this.dict.get(key);
    if (!t)
      throw new WeightMappingError(
        `${this.file}: the model needs '${key}', which the state dict lacks`,
      );
    this.used.add(key);
    if (t.shape.length !== perm.length)
      throw new WeightMappingError(
        `${this.file}: '${key}' has shape [${t.shape}], expected rank ${perm.length}`,
      );
    return transposeValues(t, perm);
  }

  /** `prefix.weight` and `prefix.bias` of an nn.Conv2d, as a Conv2D's `kernel` and `bias`. */
  conv2d(prefix: string): { kernel: MappedWeight; bias: MappedWeight } {
    return {
      kernel: this.take(`${prefix}.weight`, PYTORCH_TO_TF_AXES.conv2d),
      bias: this.take(`${prefix}.bias`, PYTORCH_TO_TF_AXES.vector),
    };
  }

  /**
   * Sets every weight of layer `layerName` from `values`, keyed by the weight's short name
   * (`kernel`, `bias`, `dw1_kernel`...): all of them, each with the layer's shape.
   */
  assign(layerName: string, values: Record<string, MappedWeight>): void {
    const layer = this.model.getLayer(layerName);
    const next = layer.weights.map((w) => {
      const short = w.originalName.split('/').pop()!;
      const v = values[short];
      if (!v)
        throw new WeightMappingError(
          `${this.file}: no PyTorch tensor maps to ${layerName}/${short}`,
        );
      if (v.shape.join() !== w.shape.join())
        throw new WeightMappingError(
          `${this.file}: ${layerName}/${short} has shape [${w.shape}], the PyTorch tensor gives [${v.shape}]`,
        );
      return tf.tensor(v.values, v.shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
  }

  /** Throws, naming them, when tensors of the state dict were not taken by any layer. */
  finish(): void {
    const unused = [...this.dict.keys()].filter((k) => !this.used.has(k));
    if (unused.length)
      throw new WeightMappingError(
        `${this.file}: state dict tensors the model has no place for: ${unused.join(', ')}`,
      );
  }
}

/**
 * The weight (kernel `[..., B*s*s]` or bias `[B*s*s]`) of a sub-pixel conv trained in front of
 * PyTorch's `pixel_shuffle` (channel `c*s*s + i*s + j`), reordered for a TF-order PixelShuffle
 * (depthToSpace, channel `(i*s + j)*B + c`). A grouped conv cannot be reordered so (its groups would
 * mix): build its PixelShuffle with the PyTorch channel order instead.
 */
export function pytorchShuffleToTf(weight: MappedWeight, scale: number): MappedWeight {
  const n = weight.shape[weight.shape.length - 1];
  const perm = pytorchToTfShuffleChannels(n / (scale * scale), scale);
  const values = new Float32Array(weight.values.length);
  for (let base = 0; base < values.length; base += n)
    for (let q = 0; q < n; q++) values[base + q] = weight.values[base + perm[q]];
  return { values, shape: weight.shape };
}
