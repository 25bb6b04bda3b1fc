import { QueueInputError } from './queue-errors.js';

/** The queue `lkca queue add` fills and `lkca worker` drains, unless told another. */
export const DEFAULT_QUEUE_NAME = 'lkca-upscale';

/** The BullMQ job name of a scene to super-resolve. */
export const UPSCALE_JOB_NAME = 'upscale-scene';

/**
 * One scene to super-resolve: paths every worker can open (shared storage, see README), the model
 * as `lkca upscale --model` takes it, and the tiled-run options that change the numbers.
 */
export interface UpscaleJobData {
  /** The input cube (for ENVI, its header or data file). */
  input: string;
  /** The output cube; its format follows the extension as in `lkca upscale -o`. */
  output: string;
  /** Model folder or model.json, resolved on the worker. */
  model: string;
  /** Expected scale, checked against the model's (as `lkca upscale --scale`). */
  scale?: number;
  /** LR tile edge (default: the same as `lkca upscale`). */
  tile?: number;
  /** LR samples shared by neighbouring tiles (default: the same as `lkca upscale`). */
  overlap?: number;
  /** Each tile under its 8 rotations and flips, averaged (as `lkca upscale --self-ensemble`). */
  selfEnsemble?: boolean;
  /** HDF5 / NetCDF-4 input: the 3-D dataset to read (as `lkca upscale --dataset`). */
  dataset?: string;
  /** HDF5 / NetCDF-4 input: the dataset axis holding the bands (as `lkca upscale --band-axis`). */
  bandAxis?: number;
}

/** What a finished job returns (BullMQ keeps it as the job's return value). */
export interface UpscaleJobResult {
  /** The files at their final paths (ENVI: header and data). */
  files: string[];
  rows: number;
  cols: number;
  bands: number;
  scale: number;
  /** True when a matching output already existed and nothing was recomputed. */
  reused: boolean;
  /** Wall time of the job on its worker, milliseconds. */
  ms: number;
  /** CPU time of the worker process (all its threads) during the job, milliseconds: the job's own
   * cost when the process runs one job at a time, whatever else shares the machine. */
  cpuMs: number;
}

/** Progress a worker reports to the queue while a job runs (`job.progress`). */
export interface UpscaleJobProgress {
  tilesDone: number;
  /** 0 until the first tile is done. */
  tilesTotal: number;
  /** `host:pid` of the worker process running it. */
  worker: string;
}

function optionalInt(data: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new QueueInputError(
      `job data: '${key}' must be an integer >= ${min}, got ${JSON.stringify(v)}`,
    );
  return v;
}

function optionalBoolean(data: Record<string, unknown>, key: string): boolean | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new QueueInputError(`job data: '${key}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function datasetOf(data: Record<string, unknown>): string {
  const v = data.dataset;
  if (typeof v !== 'string' || !v.length)
    throw new QueueInputError(
      `job data: 'dataset' must be a non-empty path, got ${JSON.stringify(v)}`,
    );
  return v;
}

function bandAxisOf(data: Record<string, unknown>): number {
  const v = optionalInt(data, 'bandAxis', 0) as number;
  if (v > 2) throw new QueueInputError(`job data: 'bandAxis' must be 0, 1 or 2, got ${v}`);
  return v;
}

/** Checks a job's data as read back from Redis (any producer may have written it). */
export function parseUpscaleJobData(data: unknown): UpscaleJobData {
  if (!data || typeof data !== 'object')
    throw new QueueInputError(`job data: expected an object, got ${JSON.stringify(data)}`);
  const d = data as Record<string, unknown>;
  for (const key of ['input', 'output', 'model'] as const) {
    if (typeof d[key] !== 'string' || !(d[key] as string).length)
      throw new QueueInputError(
        `job data: '${key}' must be a non-empty path, got ${JSON.stringify(d[key])}`,
      );
  }
  return {
    input: d.input as string,
    output: d.output as string,
    model: d.model as string,
    scale: optionalInt(d, 'scale', 2),
    tile: optionalInt(d, 'tile', 4),
    overlap: optionalInt(d, 'overlap', 0),
    ...(d.selfEnsemble !== undefined ? { selfEnsemble: optionalBoolean(d, 'selfEnsemble') } : {}),
    ...(d.dataset !== undefined && d.dataset !== null ? { dataset: datasetOf(d) } : {}),
    ...(d.bandAxis !== undefined && d.bandAxis !== null ? { bandAxis: bandAxisOf(d) } : {}),
  };
}
