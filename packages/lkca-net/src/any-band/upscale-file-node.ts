// Node-only: `lkca upscale` with an any-band model, file to file. The cube is read whole (the
// any-band model tiles inside `predict`), super-resolved in its own units, and written atomically
// by hsi-data's writers (never over the input: the caller checks output paths first), with the
// map info scaled so the upper-left corner stays put (docs/ARCHITECTURE.md, "Data flow").
import { readCube, scaleMapInfo, writeCube } from '@hsrkit/hsi-data/node';
import { AnyBandInputError } from './errors.js';
import { loadAnyBandModel } from './io-node.js';

export interface AnyBandUpscaleFileOptions {
  /** The any-band model folder (model.json + any-band.json). */
  modelPath: string;
  /** When given, the model's scale must equal it. */
  scale?: number;
  /** LR tile side of `predict` (default its own). */
  tile?: number;
  /** The geometric self-ensemble (8 passes averaged; `predict`'s `selfEnsemble`). */
  selfEnsemble?: boolean;
  signal?: AbortSignal;
}

export interface AnyBandUpscaleFileResult {
  files: string[];
  rows: number;
  cols: number;
  bands: number;
  scale: number;
}

export async function upscaleFileWithAnyBand(
  input: string,
  output: string,
  opts: AnyBandUpscaleFileOptions,
): Promise<AnyBandUpscaleFileResult> {
  const model = await loadAnyBandModel(opts.modelPath);
  try {
    const scale = model.config.scale;
    if (opts.scale !== undefined && opts.scale !== scale)
      throw new AnyBandInputError(
        'scale',
        `${opts.modelPath}: the model upscales x${scale}, not x${opts.scale} as asked`,
      );
    const lr = await readCube(input);
    opts.signal?.throwIfAborted();
    const sr = await model.predict(lr, {
      ...(opts.tile ? { tile: opts.tile } : {}),
      selfEnsemble: opts.selfEnsemble,
    });
    opts.signal?.throwIfAborted();
    if (lr.mapInfo) sr.mapInfo = scaleMapInfo(lr.mapInfo, scale, input);
    const files = await writeCube(output, sr);
    return { files, rows: sr.rows, cols: sr.cols, bands: sr.bands, scale };
  } finally {
    model.dispose();
  }
}
