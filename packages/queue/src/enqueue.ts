import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_QUEUE_NAME, UPSCALE_JOB_NAME, type UpscaleJobData } from './job-data.js';
import { sceneJobId } from './job-id.js';
import { type OutputExtension, outputPathFor, sceneStem } from './output-name.js';
import { QueueInputError } from './queue-errors.js';
import { withQueue } from './redis-url.js';
import type { SceneStorage } from './scene-storage.js';
import { sharedFileStorage } from './shared-file-storage.js';

export interface EnqueueScenesOptions {
  redisUrl: string;
  queueName?: string;
  inputs: string[];
  /** Model folder or model.json (made absolute when it exists here), or a name the workers resolve. */
  model: string;
  outDir: string;
  format?: OutputExtension;
  scale?: number;
  tile?: number;
  overlap?: number;
  /** Each tile under its 8 rotations and flips, averaged (8x the work). */
  selfEnsemble?: boolean;
  /** HDF5 / NetCDF-4 inputs: the 3-D dataset to read and the axis holding its bands. */
  dataset?: string;
  bandAxis?: number;
  /** Attempts per job before it fails for good (default 3; bad inputs fail at once). */
  attempts?: number;
  storage?: SceneStorage;
}

export interface EnqueuedScene {
  jobId: string;
  input: string;
  output: string;
  /** False when a job with the same id (same scene, model and options) was already in the queue. */
  added: boolean;
}

/**
 * One BullMQ job per scene. Inputs are checked to exist first (all or nothing: a typo names its
 * file and enqueues nothing); paths are made absolute, since workers run elsewhere.
 */
export async function enqueueScenes(opts: EnqueueScenesOptions): Promise<EnqueuedScene[]> {
  if (!opts.inputs.length) throw new QueueInputError('no input scenes given');
  const storage = opts.storage ?? sharedFileStorage();
  const outDir = resolve(opts.outDir);
  const model = existsSync(opts.model) ? resolve(opts.model) : opts.model;
  const byOutput = new Map<string, string>();
  const planned: { id: string; data: UpscaleJobData }[] = [];
  for (const given of opts.inputs) {
    const input = resolve(given);
    const files = await storage.describeInput(input);
    const output = outputPathFor(input, outDir, opts.format);
    const clash = byOutput.get(output);
    if (clash)
      throw new QueueInputError(
        `${given} and ${clash} would both be written to ${output} (same file stem); queue them into different --out-dir`,
      );
    byOutput.set(output, given);
    const data: UpscaleJobData = {
      input,
      output,
      model,
      scale: opts.scale,
      tile: opts.tile,
      overlap: opts.overlap,
      ...(opts.selfEnsemble ? { selfEnsemble: true } : {}),
      ...(opts.dataset !== undefined ? { dataset: opts.dataset } : {}),
      ...(opts.bandAxis !== undefined ? { bandAxis: opts.bandAxis } : {}),
    };
    const id = sceneJobId(sceneStem(input), [
      ...files.flatMap((f) => [f.path, f.size, f.mtimeMs]),
      output,
      model,
      opts.scale,
      opts.tile,
      opts.overlap,
      // Only when set: the ids of plain jobs stay what they were.
      ...(opts.selfEnsemble ? ['self-ensemble'] : []),
      ...(opts.dataset !== undefined ? [`dataset ${opts.dataset}`] : []),
      ...(opts.bandAxis !== undefined ? [`band axis ${opts.bandAxis}`] : []),
    ]);
    planned.push({ id, data });
  }
  return withQueue(opts.redisUrl, opts.queueName ?? DEFAULT_QUEUE_NAME, async (queue) => {
    const existing = new Set<string>();
    for (const p of planned) if (await queue.getJob(p.id)) existing.add(p.id);
    await queue.addBulk(
      planned.map((p) => ({
        name: UPSCALE_JOB_NAME,
        data: p.data,
        opts: {
          jobId: p.id,
          attempts: opts.attempts ?? 3,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    return planned.map((p) => ({
      jobId: p.id,
      input: p.data.input,
      output: p.data.output,
      added: !existing.has(p.id),
    }));
  });
}
