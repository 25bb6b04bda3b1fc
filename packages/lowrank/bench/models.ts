// Published SR architectures built with stock TF.js layers plus our PixelShuffle, for the bench.
// Nobody on this team designed them; each follows the paper named below.
import * as tf from '@tensorflow/tfjs';
import { pixelShuffle2D } from '@hsrkit/layers';

const conv = (name: string, filters: number, k: number, activation?: 'relu' | 'tanh', seed = 0) =>
  tf.layers.conv2d({
    filters,
    kernelSize: k,
    padding: 'same',
    name,
    activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });

/**
 * EDSR-baseline, x2 (Lim et al. 2017, "Enhanced Deep Residual Networks for Single Image
 * Super-Resolution", CVPRW): conv3x3 head (C -> 64), 16 residual blocks
 * (conv3x3-ReLU-conv3x3 + skip, no batch norm, residual scaling 1), conv3x3 + global skip,
 * upsampler conv3x3 (64 -> 256) + pixel shuffle x2, conv3x3 tail (64 -> C). 1.37 M params at C=3,
 * 1.40 M at C=31 (the trained fixtures/edsr-x2).
 */
export function edsrBaseline(channels = 3, blocks = 16, feats = 64): tf.LayersModel {
  const x = tf.input({ shape: [null, null, channels] as unknown as number[], name: 'lr' });
  let seed = 100;
  const head = conv('head', feats, 3, undefined, seed++).apply(x) as tf.SymbolicTensor;
  let f = head;
  for (let b = 0; b < blocks; b++) {
    const r1 = conv(`res${b}_conv1`, feats, 3, 'relu', seed++).apply(f) as tf.SymbolicTensor;
    const r2 = conv(`res${b}_conv2`, feats, 3, undefined, seed++).apply(r1) as tf.SymbolicTensor;
    f = tf.layers.add({ name: `res${b}_add` }).apply([f, r2]) as tf.SymbolicTensor;
  }
  f = conv('body_end', feats, 3, undefined, seed++).apply(f) as tf.SymbolicTensor;
  f = tf.layers.add({ name: 'global_skip' }).apply([f, head]) as tf.SymbolicTensor;
  const up = conv('upsampler', feats * 4, 3, undefined, seed++).apply(f) as tf.SymbolicTensor;
  const s = pixelShuffle2D({ scale: 2, name: 'shuffle' }).apply(up) as tf.SymbolicTensor;
  const y = conv('tail', channels, 3, undefined, seed++).apply(s) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'edsr_baseline_x2' });
}

/**
 * ESPCN (Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution Using an Efficient
 * Sub-Pixel Convolutional Neural Network", CVPR): conv5x5 64 tanh, conv3x3 32 tanh,
 * conv3x3 C*s^2, pixel shuffle s. Here on C hyperspectral bands.
 */
export function espcn(channels = 31, scale = 2): tf.LayersModel {
  const x = tf.input({ shape: [null, null, channels] as unknown as number[], name: 'lr' });
  const f1 = conv('conv1', 64, 5, 'tanh', 1).apply(x) as tf.SymbolicTensor;
  const f2 = conv('conv2', 32, 3, 'tanh', 2).apply(f1) as tf.SymbolicTensor;
  const up = conv('upsampler', channels * scale * scale, 3, undefined, 3).apply(
    f2,
  ) as tf.SymbolicTensor;
  const y = pixelShuffle2D({ scale, name: 'shuffle' }).apply(up) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: `espcn_x${scale}` });
}
