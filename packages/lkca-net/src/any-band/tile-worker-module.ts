// Runs in each tile worker thread of @hsrkit/inference (WorkerPoolOptions.runnerModule): loads the
// any-band model from its folder on the worker's own backend and returns its tile runner for one
// input's band statistics (src/any-band/tile-runner.ts). Node-only. Called again in the same thread
// for every further input of a pool kept across inputs (TileWorkerPool.runnerWith): the model is
// loaded once per thread and folder.
import type { TileRunner } from '@hsrkit/inference';
import type { AnyBandSR } from './any-band-model.js';
import { loadAnyBandModel } from './io-node.js';
import { anyBandTileRunner } from './tile-runner.js';

export interface AnyBandWorkerData {
  modelPath: string;
  stats: { mean: Float64Array; meanSquare: Float64Array; count: Float64Array };
  groupBatch?: number;
}

// The thread keeps its models until it is terminated.
const models = new Map<string, Promise<AnyBandSR>>();

export async function createTileRunner(data: AnyBandWorkerData): Promise<TileRunner> {
  let model = models.get(data.modelPath);
  if (!model) {
    model = loadAnyBandModel(data.modelPath);
    models.set(data.modelPath, model);
    model.catch(() => models.delete(data.modelPath));
  }
  return anyBandTileRunner(await model, data.stats, { groupBatch: data.groupBatch });
}
