import { basename, dirname, join } from 'node:path';
import { type UpscaleFileResult, upscaleFile } from '@hsrkit/inference/node';
import type * as tf from '@tensorflow/tfjs';
import type { UpscaleJobData, UpscaleJobResult } from './job-data.js';
import { type OutputRecordKey, recordMatches } from './output-record.js';
import type { SceneStorage } from './scene-storage.js';

/** A model ready to run jobs: loaded here (metadata) and in the tile runner (the numbers). */
export interface JobModel {
  /** The folder or model.json it was loaded from. */
  modelPath: string;
  model: tf.LayersModel;
  /** Runs tiles in model units (a worker pool's runner). */
  runner: (lr: Float32Array, h: number, w: number, b: number) => Promise<Float32Array>;
  /** Tiles in flight at once (the pool's thread count). */
  concurrency: number;
  /** sha256 of its files (modelDigest). */
  digest: string;
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
 * One scene, end to end, on the same path as `lkca upscale` (`upscaleFile` of
 * @hsrkit/inference with a tile runner): skipped when a matching output record exists; otherwise
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
    res = await upscaleFile(local.path, join(staging, basename(data.output)), {
      model: model.model,
      runner: model.runner,
      concurrency: model.concurrency,
      scale: data.scale,
      tile: data.tile,
      overlap: data.overlap,
      selfEnsemble: data.selfEnsemble,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    });
  } catch (e) {
    await storage.discard(staging);
    throw e;
  } finally {
    await local.release();
  }
  // upscaleFile lists the ENVI header first: publish it last, so a header means its data is there.
  const moves = [...res.files]
    .reverse()
    .map((from) => ({ from, to: join(dirname(data.output), basename(from)) }));
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
    outputs,
    rows: res.rows,
    cols: res.cols,
    bands: res.bands,
    jobId: ctx.jobId,
    finishedAt: new Date().toISOString(),
  });
  return {
    files: moves.map((m) => m.to).reverse(),
    rows: res.rows,
    cols: res.cols,
    bands: res.bands,
    scale: res.scale,
    reused: false,
    ms: performance.now() - t0,
    cpuMs: cpuMs(),
  };
}
