// `lkca degrade` on a whole cube. Its home is @hsrkit/hsi-data (degradation,
// docs/ARCHITECTURE.md "Where each concept lives"); it lives here until hsi-data has it.
import { type BipCube, type Cube, cubeToTensor, degrade, tensorToCube } from '@hsrkit/hsi-data';
import * as tf from '@tensorflow/tfjs';

export interface CubeDegradation {
  /** Integer downscaling factor s. */
  scale: number;
  /** Gaussian blur before downsampling (blind SR), sigma in pixels. */
  blurSigma?: number;
  /** Gaussian noise after downsampling, at this SNR (dB). */
  noiseSnrDb?: number;
  /** Noise seed (default 0). */
  seed?: number;
}

/**
 * The LR cube of an HR cube: cropped to a multiple of the scale (top-left), optionally blurred,
 * MATLAB bicubic x1/s, optionally noisy. Values otherwise unchanged; metadata kept, except the map
 * info, whose pixel size no longer holds.
 */
export async function degradeCube(cube: Cube, opts: CubeDegradation): Promise<BipCube> {
  const { scale } = opts;
  const rows = cube.rows - (cube.rows % scale);
  const cols = cube.cols - (cube.cols % scale);
  if (rows < scale || cols < scale)
    throw new RangeError(`a ${cube.rows} x ${cube.cols} cube is too small for x1/${scale}`);
  const lr = tf.tidy(() =>
    degrade(tf.slice(cubeToTensor(tf, cube), [0, 0, 0], [rows, cols, cube.bands]) as tf.Tensor3D, {
      scale,
      ...(opts.blurSigma ? { blur: { sigma: opts.blurSigma } } : {}),
      ...(opts.noiseSnrDb !== undefined
        ? { noise: { snrDb: opts.noiseSnrDb, seed: opts.seed ?? 0 } }
        : {}),
    }),
  );
  try {
    const { rows: _r, cols: _c, bands: _b, interleave: _i, data: _d, ...meta } = cube;
    return await tensorToCube(lr, { ...meta, mapInfo: undefined });
  } finally {
    lr.dispose();
  }
}
