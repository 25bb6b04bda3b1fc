// Node-only: an any-band model as a job model of @hsrkit/queue, so `lkca worker` runs queued
// scenes through it (the queue cannot import lkca-net: docs/ARCHITECTURE.md, "Package graph"; the
// worker takes it through `loadCustomModel`). Loaded once per worker; each job runs the bounded-
// memory file path of src/any-band/upscale-file-node.ts in the worker's process, or on threads
// started with the first job and kept for the next ones (startAnyBandThreads).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobModel, modelDigest } from '@hsrkit/queue/node';
import { ANY_BAND_CONFIG_FILE, loadAnyBandModel } from './io-node.js';
import { capWorkers } from '@hsrkit/inference/node';
import {
  type AnyBandThreadOptions,
  startAnyBandThreads,
  upscaleFileWithAnyBandModel,
} from './upscale-file-node.js';

/** Names of the errors an any-band job fails with at once (no retry can fix them). */
export const ANY_BAND_PERMANENT_ERRORS = ['AnyBandInputError', 'AnyBandConfigError'] as const;

/** The folder of a model given as its folder or its model.json. */
const modelFolder = (modelPath: string) =>
  modelPath.endsWith('.json') ? join(modelPath, '..') : modelPath;

/** True when `modelPath` (a folder or its model.json) holds an any-band model. */
export function isAnyBandModelPath(modelPath: string): boolean {
  return existsSync(join(modelFolder(modelPath), ANY_BAND_CONFIG_FILE));
}

/**
 * The any-band model at `modelPath` as a queue job model. With `threads.workers` > 1 its tiles run
 * on that many threads, started by the first job and kept until close() (each job brings its own
 * band statistics to the same threads). Its digest covers model.json, the weights and
 * any-band.json (the grouping and normalisation change the numbers too).
 */
export async function loadAnyBandJobModel(
  modelPath: string,
  threads: AnyBandThreadOptions = {},
): Promise<JobModel & { close(): Promise<void> }> {
  const dir = modelFolder(modelPath);
  // Loaded here also when threads run it: a broken model fails now, not in the first job.
  const model = await loadAnyBandModel(dir);
  try {
    const digest = createHash('sha256')
      .update(await modelDigest(dir))
      .update(await readFile(join(dir, ANY_BAND_CONFIG_FILE)))
      .digest('hex');
    if (capWorkers(threads.workers ?? 1).workers > 1) {
      const pool = await startAnyBandThreads(dir, threads);
      model.dispose();
      return {
        modelPath,
        digest,
        // A job's options are the file path's run options.
        upscaleFile: (input, output, o) => pool.upscaleFile(input, output, o),
        close: () => pool.close(),
      };
    }
    return {
      modelPath,
      digest,
      upscaleFile: (input, output, o) => upscaleFileWithAnyBandModel(model, input, output, o),
      async close() {
        model.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
