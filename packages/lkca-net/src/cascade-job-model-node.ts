// Node-only: a model cascade (src/model-cascade.ts, e.g. lkca-any-band-x8) as a job model of
// @hsrkit/queue, so `lkca queue add --model lkca-any-band-x8` and `lkca worker` run it: each stage
// is loaded once per worker (an any-band stage as src/any-band/job-model-node.ts loads it, on the
// worker's threads), and each job runs the stages file to file through runCascadeStages, the stage
// between inside the job's private staging folder.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { upscaleFileWithModel } from '@hsrkit/inference/node';
import { type JobModel, modelDigest } from '@hsrkit/queue/node';
import type { AnyBandThreadOptions } from './any-band/upscale-file-node.js';
import { loadAnyBandJobModel } from './any-band/job-model-node.js';
import { type CascadeStageRun, runCascadeStages } from './cascade-file-node.js';
import { CASCADE_FILE } from './model-cascade.js';
import { describeModelFolder, ModelKindError } from './shipped-models.js';

/** True when `modelPath` is a cascade folder (it holds a cascade.json). */
export function isCascadeModelPath(modelPath: string): boolean {
  return existsSync(join(modelPath, CASCADE_FILE));
}

/**
 * The cascade at `modelPath` as a queue job model. Its digest covers cascade.json and every
 * stage's digest, so another stage or order is another model in the output records.
 */
export async function loadCascadeJobModel(
  modelPath: string,
  threads: AnyBandThreadOptions = {},
): Promise<JobModel & { close(): Promise<void> }> {
  const cascade = describeModelFolder(modelPath, modelPath);
  if (cascade?.kind !== 'cascade' || !cascade.stages)
    throw new ModelKindError(`${modelPath} is not a cascade folder`);
  const loaded: (JobModel & { close?(): Promise<void> })[] = [];
  try {
    for (const stage of cascade.stages)
      loaded.push(
        stage.kind === 'any-band'
          ? await loadAnyBandJobModel(stage.path, threads)
          : {
              // A TF.js stage is loaded per job by the same path `lkca upscale` takes.
              modelPath: stage.path,
              digest: await modelDigest(stage.path),
              upscaleFile: (input, output, o) =>
                upscaleFileWithModel(input, output, {
                  ...o,
                  modelPath: stage.path,
                  runtime: threads.runtime,
                  workers: threads.workers,
                }),
            },
      );
  } catch (e) {
    for (const m of loaded) await m.close?.();
    throw e;
  }
  const digest = createHash('sha256').update(await readFile(join(modelPath, CASCADE_FILE)));
  for (const m of loaded) digest.update(m.digest);
  return {
    modelPath,
    digest: digest.digest('hex'),
    async upscaleFile(input, output, o) {
      if (o.scale !== undefined && o.scale !== cascade.scale)
        throw new ModelKindError(`${cascade.name} upscales x${cascade.scale}, not x${o.scale}`);
      const runs = loaded.map(
        (m): CascadeStageRun =>
          (from, to, first) =>
            // The job's options reach every stage; its dataset / band axis only the first.
            m.upscaleFile(from, to, { ...o, scale: undefined, read: first ? o.read : undefined }),
      );
      const last = await runCascadeStages(input, output, runs, o.signal);
      return { ...last, scale: cascade.scale };
    },
    async close() {
      for (const m of loaded) await m.close?.();
    },
  };
}
