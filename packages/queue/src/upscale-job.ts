import { basename, dirname, join } from 'node:path';
import { type UpscaleFileResult, upscaleFile } from '@hsrkit/inference/node';
import type * as tf from '@tensorflow/tfjs';
import type { UpscaleJobData, UpscaleJobResult } from './job-data.js';
import { type OutputRecordKey, recordMatches } from './output-record.js';
import type { SceneStorage } from './scene-storage.js';

/** What a job asks of its model's run: the job's options (`UpscaleJobData`) and the abort/progress
 * plumbing of the worker. */
export interface JobRunOptions {
  scale?: number;
  tile?: number;
  overlap?: number;
  selfEnsemble?: boolean;
  /** Which cube of the input (an HDF5 dataset and band axis): inference's UpscaleFileOptions.read. */
  read?: { dataset?: string; bandAxis?: number };
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A model ready to run jobs: it super-resolves one local input file into an output path (a private
 * staging path: the job publishes the files it returns). The default is `tiledJobModel`, a plain
 * TF.js SR model on @hsrkit/inference's tiled file path; a model that runs its own way (e.g. the
 * any-band models of @hsrkit/lkca-net) brings its own `upscaleFile` through the worker's
 * `loadCustomModel`.
 */
export interface JobModel {
  /** The folder or model.json it was loaded from. */
  modelPath: string;
  /** sha256 of everything that defines its numbers (`modelDigest` for a TF.js model folder): the
   * model's identity in output records. */
  digest: string;
  upscaleFile(input: string, output: string, opts: JobRunOptions): Promise<UpscaleFileResult>;
}

export interface TiledJobModelParts {
  modelPath: string;
  model: tf.LayersModel;
  /** Runs tiles in model units (a worker pool's runner). */
  runner: (lr: Float32Array, h: number, w: number, b: number) => Promise<Float32Array>;
  /** Tiles in flight at once (the pool's thread count). */
  concurrency: number;
  digest: string;
}

/** A plain TF.js SR model run as `lkca upscale` runs it: `upscaleFile` of @hsrkit/inference with
 * a tile runner (windows read from the file, tiles, seam blending, bounded memory). */
export function tiledJobModel(parts: TiledJobModelParts): JobModel {
  return {
    modelPath: parts.modelPath,
    digest: parts.digest,
    upscaleFile: (input, output, opts) =>
      upscaleFile(input, output, {
        model: parts.model,
        runner: parts.runner,
        concurrency: parts.concurrency,
        scale: opts.scale,
        tile: opts.tile,
        overlap: opts.overlap,
        selfEnsemble: opts.selfEnsemble,
        read: opts.read,
        signal: opts.signal,
        onProgress: opts.onProgress,
      }),
  };
}

/** The job's choice of cube within its input, as the readers take it. */
function readOptionsOf(data: UpscaleJobData): JobRunOptions['read'] {
  return {
    ...(data.dataset !== undefined ? { dataset: data.dataset } : {}),
    ...(data.bandAxis !== undefined ? { bandAxis: data.bandAxis } : {}),
  };
}

export interface RunUpscaleJobContext {
  storage: SceneStorage;
  model: JobModel;
  /** Unique per attempt: names the staging folder. */
  attempt: string;
  jobId?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * One scene, end to end, on the same path as `lkca upscale` (the job model's `upscaleFile`;
 * for a plain TF.js model `upscaleFile` of @hsrkit/inference with a tile runner): skipped when a matching output record exists; otherwise
 * leftovers of killed attempts are removed, the output is written into a private staging folder,
 * the record is removed, the files are renamed into place (data before header) and the record
 * written last. A final path therefore only ever holds a complete file, and a record only
 * describes complete files.
 */
export async function runUpscaleJob(
  data: UpscaleJobData,
  ctx: RunUpscaleJobContext,
): Promise<UpscaleJobResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuMs = () => {
    const d = process.cpuUsage(cpu0);
    return (d.user + d.system) / 1000;
  };
  const { storage, model } = ctx;
  const input = await storage.describeInput(data.input);
  const key: OutputRecordKey = {
    input,
    modelDigest: model.digest,
    scale: data.scale,
    tile: data.tile,
    overlap: data.overlap,
    selfEnsemble: data.selfEnsemble,
    dataset: data.dataset,
    bandAxis: data.bandAxis,
  };
  const record = await storage.readRecord(data.output);
  if (record && recordMatches(record, key)) {
    const now = await storage.describeOutputs(record.outputs.map((f) => f.path));
    if (now?.every((f, i) => f.size === record.outputs[i].size))
      return {
        files: record.outputs.map((f) => f.path),
        rows: record.rows,
        cols: record.cols,
        bands: record.bands,
        scale: record.scale,
        reused: true,
        ms: performance.now() - t0,
        cpuMs: cpuMs(),
      };
  }
  await storage.cleanStale(data.output);
  const staging = await storage.stage(data.output, ctx.attempt);
  const local = await storage.localInput(data.input);
  let res: UpscaleFileResult;
  try {
    res = await model.upscaleFile(local.path, join(staging, basename(data.output)), {
      scale: data.scale,
      tile: data.tile,
      overlap: data.overlap,
      selfEnsemble: data.selfEnsemble,
      read: readOptionsOf(data),
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    });
  } catch (e) {
    await storage.discard(staging);
    throw e;
  } finally {
    await local.release();
  }
  // An ENVI header is published last, so that a header means its data is there (models list their
  // files in either order).
  const isHeader = (f: string) => f.toLowerCase().endsWith('.hdr');
  const moves = [...res.files.filter((f) => !isHeader(f)), ...res.files.filter(isHeader)].map(
    (from) => ({ from, to: join(dirname(data.output), basename(from)) }),
  );
  await storage.removeRecord(data.output);
  const outputs = await storage.publish(staging, moves);
  await storage.writeRecord(data.output, {
    version: 1,
    input,
    modelDigest: model.digest,
    scale: res.scale,
    tile: data.tile,
    overlap: data.overlap,
    ...(data.selfEnsemble ? { selfEnsemble: true } : {}),
    ...(data.dataset !== undefined ? { dataset: data.dataset } : {}),
    ...(data.bandAxis !== undefined ? { bandAxis: data.bandAxis } : {}),
    outputs,
    rows: res.rows,
    cols: res.cols,
    bands: res.bands,
    jobId: ctx.jobId,
    finishedAt: new Date().toISOString(),
  });
  return {
    files: res.files.map((f) => join(dirname(data.output), basename(f))),
    rows: res.rows,
    cols: res.cols,
    bands: res.bands,
    scale: res.scale,
    reused: false,
    ms: performance.now() - t0,
    cpuMs: cpuMs(),
  };
}
