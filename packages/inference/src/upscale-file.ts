import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  applyNormalization,
  type Cube,
  type CubeMetadata,
  cubeFormatOf,
  cropCube,
  cubeInfo,
  denormalize,
  enviWritePaths,
  formatEnviHeader,
  type NormalizationRecord,
  readCube,
  readCubeWindow,
  scaleMapInfo,
  toBipCube,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { Float32FileSink } from './file-sink.js';
import { modelBands, modelScale, readModelMetadata } from './model-metadata.js';
import type { TileSource, Window } from './tile-sink.js';
import { type TileRunner, upscaleTiled } from './tiled-inference.js';
import { UpscaleInputError } from './upscale-input-error.js';

export interface UpscaleFileOptions {
  /** Runs a tile in model units (e.g. `modelTileRunner(model)` or a worker pool's runner). */
  runner: TileRunner;
  /** The model (for bands, scale and normalisation metadata). */
  model: tf.LayersModel;
  /** Expected scale; checked against the model's. */
  scale?: number;
  tile?: number;
  overlap?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface UpscaleFileResult {
  rows: number;
  cols: number;
  bands: number;
  scale: number;
  files: string[];
}

function bipCube(data: Float32Array, rows: number, cols: number, bands: number): Cube {
  return { rows, cols, bands, interleave: 'bip', data };
}

/**
 * Super-resolves a cube file into another, tile by tile: windows are read from the input as they are
 * needed, normalised as the model was trained, run, brought back to the input's units, feathered
 * into a float32 accumulator on disk, and the result renamed into place (ENVI output) or converted
 * to the output's format. Memory is bounded by a tile for ENVI output.
 */
export async function upscaleFile(
  input: string,
  output: string,
  opts: UpscaleFileOptions,
): Promise<UpscaleFileResult> {
  const info = await cubeInfo(input);
  const bands = modelBands(opts.model);
  if (bands !== info.bands)
    throw new UpscaleInputError(`${input} has ${info.bands} bands but the model takes ${bands}`);
  const scale = modelScale(opts.model);
  if (opts.scale && opts.scale !== scale)
    throw new UpscaleInputError(`the model upscales x${scale}, not the requested x${opts.scale}`);
  const record: NormalizationRecord | undefined = readModelMetadata(opts.model).normalization;
  // Formats without windowed reads (.mat) would decode the whole variable for every tile: read
  // those once; the others are read window by window, so memory stays bounded.
  const whole = info.format === 'mat' ? await readCube(input) : undefined;
  const readWindow = (w: Window) => {
    const win = { row: w.row, col: w.col, rows: w.height, cols: w.width };
    return whole ? cropCube(input, whole, win) : readCubeWindow(input, win);
  };
  const source: TileSource = {
    rows: info.rows,
    cols: info.cols,
    bands,
    async read(w) {
      const cube = await readWindow(w);
      return toBipCube(record ? applyNormalization(cube, record) : cube).data;
    },
  };
  const runner: TileRunner = async (lr, h, w, b) => {
    const hr = await opts.runner(lr, h, w, b);
    if (!record) return hr;
    return toBipCube(denormalize(bipCube(hr, h * scale, w * scale, b), record)).data;
  };
  // The input's metadata (wavelengths, no-data, georeferencing...) for the output cube, read
  // first: a map info that cannot be scaled fails here, before any work.
  const {
    rows: _r,
    cols: _c,
    bands: _b,
    interleave: _i,
    data: _d,
    ...inputMeta
  } = whole ?? (await readWindow({ row: 0, col: 0, height: 1, width: 1 }));
  const meta: CubeMetadata = {
    ...inputMeta,
    mapInfo: scaleMapInfo(inputMeta.mapInfo, scale, input),
    metadata: {
      ...inputMeta.metadata,
      description: `super-resolved x${scale} by hsrkit from ${input}`,
    },
  };
  const rows = info.rows * scale;
  const cols = info.cols * scale;
  const format = cubeFormatOf(output);
  await fs.mkdir(dirname(output) || '.', { recursive: true });
  const enviPaths = format === 'envi' ? enviWritePaths(output) : undefined;
  const accPath = `${enviPaths?.dataFile ?? join(dirname(output), `.${Date.now()}.sr`)}.${process.pid}.partial`;
  const sink = await Float32FileSink.create(accPath, rows, cols, bands);
  try {
    await upscaleTiled(source, runner, sink, {
      scale,
      tile: opts.tile,
      overlap: opts.overlap,
      concurrency: opts.concurrency,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    if (enviPaths) {
      await sink.close();
      const header = formatEnviHeader(
        { ...meta, rows, cols, bands, interleave: 'bip', data: new Float32Array(0) },
        { interleave: 'bip', sampleType: 'float32', byteOrder: 0 },
      );
      const hdrTmp = `${enviPaths.headerFile}.${process.pid}.partial`;
      await fs.writeFile(hdrTmp, header);
      await fs.rename(accPath, enviPaths.dataFile);
      await fs.rename(hdrTmp, enviPaths.headerFile);
      return { rows, cols, bands, scale, files: [enviPaths.headerFile, enviPaths.dataFile] };
    }
    const data = await sink.readRows(0, rows);
    await sink.close();
    await writeCube(output, { ...meta, rows, cols, bands, interleave: 'bip', data });
    await fs.rm(accPath, { force: true });
    return { rows, cols, bands, scale, files: [output] };
  } catch (e) {
    await sink.close().catch(() => {});
    await fs.rm(accPath, { force: true });
    throw e;
  }
}
