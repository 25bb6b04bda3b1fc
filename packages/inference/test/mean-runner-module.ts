// A tile-runner module for worker threads (WorkerPoolOptions.runnerModule) in the tests: the
// statistics-dependent model of src/upscale-file-band-stats.test.ts, HR = 2 * LR(nearest) - mean.
import type { TileRunner } from '../src/tiled-inference.js';

export function createTileRunner(data: { scale: number; mean: number[] }): TileRunner {
  const { scale, mean } = data;
  return async (lr, h, w, b) => {
    const out = new Float32Array(h * scale * w * scale * b);
    for (let R = 0; R < h * scale; R++)
      for (let C = 0; C < w * scale; C++)
        for (let k = 0; k < b; k++)
          out[(R * w * scale + C) * b + k] =
            2 * lr[(Math.floor(R / scale) * w + Math.floor(C / scale)) * b + k] - mean[k];
    return out;
  };
}
