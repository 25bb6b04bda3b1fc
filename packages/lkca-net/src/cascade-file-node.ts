// Node-only: a cascade (src/model-cascade.ts) file to file: each stage runs on the tiled, bounded-
// memory file path of its kind (any-band: src/any-band/upscale-file-node.ts; a TF.js model:
// inference's upscaleFileWithModel), the stages between writing float32 ENVI into a temporary
// folder made inside the output's folder (never anywhere else) and removed when the run ends, also
// on failure or abort. The last stage writes the output, atomically, as `lkca upscale` does.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkOutputPaths, cubeInfo } from '@hsrkit/hsi-data/node';
import {
  type RuntimeName,
  type UpscaleFileOptions,
  type UpscaleFileResult,
  upscaleFileWithModel,
} from '@hsrkit/inference/node';
import { upscaleFileWithAnyBand } from './any-band/upscale-file-node.js';
import { ModelKindError, resolveModel, type ShippedModel } from './shipped-models.js';

export interface CascadeUpscaleFileOptions {
  /** The cascade: a shipped name (e.g. 'lkca-any-band-x8') or a folder with a cascade.json. */
  model: string | ShippedModel;
  /** When given, the cascade's overall scale must equal it. */
  scale?: number;
  /** LR tile side and overlap, passed to every stage (each stage's default otherwise). */
  tile?: number;
  overlap?: number;
  /** Worker threads of every stage (or 'auto': chosen per stage by its input's size). */
  workers?: number | 'auto';
  runtime?: RuntimeName;
  /** The geometric self-ensemble in every stage. */
  selfEnsemble?: boolean;
  /** Which cube of the input (HDF5 dataset / band axis, MAT variable): the first stage's read. */
  read?: UpscaleFileOptions['read'];
  signal?: AbortSignal;
  /** Before each stage: its index, the stage count and the stage's model. */
  onStage?: (index: number, count: number, stage: ShippedModel) => void;
  /** Tiles done and in all, of the stage running. */
  onProgress?: (done: number, total: number) => void;
  onWorkersChosen?: (workers: number, tilePasses: number) => void;
}

/** One stage run file to file (the stage's own tiled path), told whether it reads the input. */
export type CascadeStageRun = (
  from: string,
  to: string,
  first: boolean,
) => Promise<UpscaleFileResult>;

/**
 * Runs `stages` file to file, in order: the stages between write float32 ENVI into a temporary
 * folder made inside the output's folder and removed when this returns (also on failure or
 * abort); at most two stages are on disk at once. Shared by upscaleFileWithCascade and the queue's
 * cascade job model (src/cascade-job-model-node.ts).
 */
export async function runCascadeStages(
  input: string,
  output: string,
  stages: CascadeStageRun[],
  signal?: AbortSignal,
): Promise<UpscaleFileResult> {
  // The output's folder is made as `lkca upscale` makes it; the stages between live inside it.
  await mkdir(dirname(output), { recursive: true });
  const temp = await mkdtemp(join(dirname(output), `.${basename(output)}.cascade-`));
  try {
    let from = input;
    let result: UpscaleFileResult | undefined;
    let previous: string[] = [];
    for (const [i, run] of stages.entries()) {
      signal?.throwIfAborted();
      const to = i === stages.length - 1 ? output : join(temp, `stage-${i + 1}.hdr`);
      result = await run(from, to, i === 0);
      // The stage before is no longer needed.
      if (i > 0) for (const f of previous) await rm(f, { force: true });
      previous = result.files;
      from = to;
    }
    return result as UpscaleFileResult;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Super-resolves `input` into `output` through every stage of a cascade, in order. */
export async function upscaleFileWithCascade(
  input: string,
  output: string,
  opts: CascadeUpscaleFileOptions,
): Promise<UpscaleFileResult> {
  const cascade = typeof opts.model === 'string' ? resolveModel(opts.model) : opts.model;
  if (cascade.kind !== 'cascade' || !cascade.stages)
    throw new ModelKindError(`${cascade.name} is not a cascade (its kind: ${cascade.kind})`);
  if (opts.scale !== undefined && opts.scale !== cascade.scale)
    throw new ModelKindError(`${cascade.name} upscales x${cascade.scale}, not x${opts.scale}`);
  // Before any stage runs: the output must not be the input, and the input must read.
  await checkOutputPaths(output, [input]);
  await cubeInfo(input, opts.read ?? {});
  const stages = cascade.stages;
  const runs = stages.map(
    (stage, i): CascadeStageRun =>
      (from, to, first) => {
        opts.onStage?.(i, stages.length, stage);
        const common = {
          tile: opts.tile,
          overlap: opts.overlap,
          selfEnsemble: opts.selfEnsemble,
          workers: opts.workers,
          runtime: opts.runtime,
          signal: opts.signal,
          onProgress: opts.onProgress,
          onWorkersChosen: opts.onWorkersChosen,
          // Only the input may need a dataset or variable named; the stages between are ENVI.
          ...(first && opts.read ? { read: opts.read } : {}),
        };
        return stage.kind === 'any-band'
          ? upscaleFileWithAnyBand(from, to, { ...common, modelPath: stage.path })
          : upscaleFileWithModel(from, to, { ...common, modelPath: stage.path });
      },
  );
  const last = await runCascadeStages(input, output, runs, opts.signal);
  return { ...last, scale: cascade.scale };
}
