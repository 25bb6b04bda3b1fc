// Runs in each tile worker thread of @hsrkit/inference (WorkerPoolOptions.runnerModule): loads the
// any-band model from its folder on the worker's own backend and returns its tile runner for one
// input's band statistics (src/any-band/tile-runner.ts). Node-only.
import type { TileRunner } from '@hsrkit/inference';
import { loadAnyBandModel } from './io-node.js';
import { anyBandTileRunner } from './tile-runner.js';

export interface AnyBandWorkerData {
  modelPath: string;
  stats: { mean: Float64Array; meanSquare: Float64Array; count: Float64Array };
  groupBatch?: number;
}

export async function createTileRunner(data: AnyBandWorkerData): Promise<TileRunner> {
  // The worker keeps the model until it is terminated.
  const model = await loadAnyBandModel(data.modelPath);
  return anyBandTileRunner(model, data.stats, { groupBatch: data.groupBatch });
}
