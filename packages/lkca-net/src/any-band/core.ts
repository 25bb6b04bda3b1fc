import * as tf from '@tensorflow/tfjs';
import { mixSeed, mulberry32 } from '@hsrkit/hsi-data';
import { LKCA_LAYER_NAMES, type LkcaNetConfig, lkcaNet } from '../model.js';

/** The shared-weight core's options: an LKCA-Net over G bands (its `bands` is the group size). */
export type AnyBandCoreOptions = Omit<LkcaNetConfig, 'bands' | 'scale' | 'inputSize' | 'name'>;

/** Glorot-uniform limit as TF.js computes fans for a kernel of this shape (channels last). */
function glorotLimit(shape: number[]): number {
  let fanIn: number;
  let fanOut: number;
  if (shape.length === 2) [fanIn, fanOut] = shape;
  else {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    fanIn = shape[shape.length - 2] * receptive;
    fanOut = shape[shape.length - 1] * receptive;
  }
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * Re-initialises every weight from `seed` alone (TF.js layers draw from an unseeded generator):
 * kernels Glorot-uniform, biases 0. The upsampler's kernel is scaled by `upsamplerGain` so the
 * untrained model starts close to its bicubic skip rather than bicubic plus noise.
 */
export function seedWeights(model: tf.LayersModel, seed: number, upsamplerGain = 0.1): void {
  const up = model.layers.find((l) => l.name === LKCA_LAYER_NAMES.upsampler);
  const upWeights = new Set(up ? up.weights : []);
  const fresh = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length >= 2) {
      const rand = mulberry32(mixSeed(seed, i));
      const gain = upWeights.has(w) ? upsamplerGain : 1;
      const limit = glorotLimit(shape) * gain;
      for (let k = 0; k < n; k++) data[k] = (2 * rand() - 1) * limit;
    }
    return tf.tensor(data, shape);
  });
  model.setWeights(fresh);
  for (const t of fresh) t.dispose();
}

/** The shared-weight core: LKCA-Net on `groupSize` bands, seeded. */
export function anyBandCore(
  groupSize: number,
  scale: number,
  options: AnyBandCoreOptions = {},
  seed = 0,
): tf.LayersModel {
  const model = lkcaNet({
    channels: 64,
    blocks: 4,
    upsampler: 'conv',
    ...options,
    bands: groupSize,
    scale,
    name: 'any_band_core',
  });
  seedWeights(model, seed);
  return model;
}
