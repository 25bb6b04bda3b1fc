// A plain ESPCN (Shi et al. 2016) built from stock TF.js layers and @hsrkit/layers' PixelShuffle:
// the "someone else's SR model" the tests run through @hsrkit/inference. No LKCA-Net anywhere.
import { PixelShuffle } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';

/** Receptive field radius of `espcn` in LR samples: 5x5, then two 3x3 convs. */
export const ESPCN_RADIUS = 2 + 1 + 1;

/** conv 5x5 (tanh) -> conv 3x3 (tanh) -> conv 3x3 to bands*s^2 -> PixelShuffle(s), any input size. */
export function espcn(bands: number, scale: number, features = 16, seed = 1): tf.LayersModel {
  const x = tf.input({ shape: [null, null, bands], name: 'lr' });
  const layers: [filters: number, kernelSize: number, activation: 'tanh' | 'linear'][] = [
    [features, 5, 'tanh'],
    [features / 2, 3, 'tanh'],
    [bands * scale * scale, 3, 'linear'],
  ];
  let f = x;
  layers.forEach(([filters, kernelSize, activation], i) => {
    f = tf.layers
      .conv2d({
        filters,
        kernelSize,
        activation,
        padding: 'same',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 10 + i }),
        name: i === layers.length - 1 ? 'subpixel_conv' : undefined,
      })
      .apply(f) as tf.SymbolicTensor;
  });
  const y = new PixelShuffle({ scale, name: 'shuffle' }).apply(f) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'espcn' });
}
