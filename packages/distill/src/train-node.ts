import { nodeCheckpointStore } from './checkpoint-node.js';
import type { TrainOptions } from './train-options.js';
import type { TrainResult } from './train-result.js';
import { train as trainWithStore } from './trainer.js';

/** `train` of the browser-safe entry, where `checkpoint.dir` is a folder on disk (kept `keep`
 * newest checkpoints, written atomically by checkpoint-node.ts). */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const ck = opts.checkpoint;
  if (!ck?.dir || ck.store) return trainWithStore(opts);
  return trainWithStore({
    ...opts,
    checkpoint: { ...ck, store: nodeCheckpointStore(ck.dir, { keep: ck.keep }) },
  });
}
