import { fusedTileRunner, modelTileRunner } from '@hsrkit/inference';
import type * as tf from '@tensorflow/tfjs';
import { expectNoLeak, maxRelDiff, seededValues } from './compare.js';

export interface FusedTailComparison {
  /** max |fused - model| / max |model| on the tile. */
  relDiff: number;
  /** What fusedTileRunner reported: the SIMD build, or null and the reason it runs the plain model. */
  simd: string | null;
  reason?: string;
}

/**
 * Runs one seeded LR tile (values in [0, 1)) through `model` as it is and through @hsrkit/inference's
 * fusedTileRunner on the current backend, and compares. Throws if the fused run leaves tensors.
 */
export async function compareFusedTail(
  model: tf.LayersModel,
  bands: number,
  [h, w]: [number, number] = [11, 14],
  seed = 5,
): Promise<FusedTailComparison> {
  const lr = Float32Array.from(seededValues(h * w * bands, seed), (v) => (v + 1) / 2);
  const want = await modelTileRunner(model)(lr, h, w, bands);
  const fused = await fusedTileRunner(model);
  const got = await expectNoLeak(() => fused.runner(lr, h, w, bands), 'the fused tail');
  return { relDiff: maxRelDiff(got, want), simd: fused.simd, reason: fused.reason };
}
