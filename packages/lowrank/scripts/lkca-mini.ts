// The LKCA-Net-like fixture architecture: Conv3x3(B -> 64) -> 2 LargeKernelBlocks ->
// Conv3x3(64 -> B*s^2) 'upsampler' -> PixelShuffle(s). Seeded initialisers, so the untrained
// model is reproducible (the fixture test compares its spectrum with the trained one's).
import * as tf from '@tensorflow/tfjs';
import { largeKernelBlock, pixelShuffle2D } from '@hsrkit/layers';

export function buildLkcaMini(bands = 31, scale = 2, seed = 7): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const x = tf.input({ shape: [null, null, bands], name: 'lr' });
  let f = tf.layers
    .conv2d({
      filters: 64,
      kernelSize: 3,
      padding: 'same',
      name: 'head',
      kernelInitializer: init(1),
    })
    .apply(x) as tf.SymbolicTensor;
  f = largeKernelBlock({ name: 'lkb1' }).apply(f) as tf.SymbolicTensor;
  f = largeKernelBlock({ name: 'lkb2' }).apply(f) as tf.SymbolicTensor;
  const up = tf.layers
    .conv2d({
      filters: bands * scale * scale,
      kernelSize: 3,
      padding: 'same',
      name: 'upsampler',
      kernelInitializer: init(2),
    })
    .apply(f) as tf.SymbolicTensor;
  const y = pixelShuffle2D({ scale, name: 'shuffle' }).apply(up) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'lkca_mini' });
}
