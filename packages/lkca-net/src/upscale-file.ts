import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  applyNormalization,
  type Cube,
  cubeFormatOf,
  cropCube,
  cubeInfo,
  denormalize,
  enviWritePaths,
  formatEnviHeader,
  type NormalizationRecord,
  readCube,
  readCubeWindow,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { Float32FileSink } from './file-sink.js';
import { modelBands, readModelMetadata } from './model-metadata.js';
import { float32Bip } from './cube-float.js';
import type { TileRunner, TileSource, Window } from './tiled-inference.js';
import { upscaleTiled } from './tiled-inference.js';

/** The input, the model and the requested scale do not fit together. */
export class UpscaleInputError extends Error {
  override name = 'UpscaleInputError';
}

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

/** Scale factor of an SR model: from its metadata, else by running it once on an 8x8 input. */
export function modelScale(model: tf.LayersModel): number {
  const meta = readModelMetadata(model);
  if (meta.scale) return meta.scale;
  const bands = modelBands(model);
  const y = tf.tidy(() => model.predict(tf.zeros([1, 8, 8, bands])) as tf.Tensor);
  const s = (y.shape[1] as number) / 8;
  y.dispose();
  if (!Number.isInteger(s) || s < 1)
    throw new UpscaleInputError(
      `the model maps 8x8 to ${y.shape[1]}x${y.shape[2]}: not an integer SR scale`,
    );
  return s;
}

function bipCube(data: Float32Array, rows: number, cols: number, bands: number): Cube {
  return { rows, cols, bands, interleave: 'bip', data };
}

/** Scales a `map info` pixel size by 1/s so the SR output stays georeferenced. */
function scaleMapInfo(mapInfo: string | undefined, s: number): string | undefined {
  if (!mapInfo) return undefined;
  const parts = mapInfo
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map((p) => p.trim());
  // {projection, refX, refY, easting, northing, pixelX, pixelY, ...}
  if (parts.length < 7 || !Number.isFinite(Number(parts[5])) || !Number.isFinite(Number(parts[6])))
    return mapInfo;
  parts[1] = String((Number(parts[1]) - 0.5) * s + 0.5);
  parts[2] = String((Number(parts[2]) - 0.5) * s + 0.5);
  parts[5] = String(Number(parts[5]) / s);
  parts[6] = String(Number(parts[6]) / s);
  return `{${parts.join(', ')}}`;
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
      return float32Bip(record ? applyNormalization(cube, record) : cube).data;
    },
  };
  const runner: TileRunner = async (lr, h, w, b) => {
    const hr = await opts.runner(lr, h, w, b);
    if (!record) return hr;
    return float32Bip(denormalize(bipCube(hr, h * scale, w * scale, b), record)).data;
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
    // Metadata of the input, for the output cube.
    const inputMeta = whole ?? (await readWindow({ row: 0, col: 0, height: 1, width: 1 }));
    const meta: Omit<Cube, 'rows' | 'cols' | 'bands' | 'interleave' | 'data'> = {
      wavelengths: inputMeta.wavelengths,
      wavelengthUnits: inputMeta.wavelengthUnits,
      fwhm: inputMeta.fwhm,
      bandNames: inputMeta.bandNames,
      noDataValue: inputMeta.noDataValue,
      scaleFactor: inputMeta.scaleFactor,
      mapInfo: scaleMapInfo(inputMeta.mapInfo, scale),
      coordinateSystem: inputMeta.coordinateSystem,
      metadata: {
        ...inputMeta.metadata,
        description: `super-resolved x${scale} by hsrkit from ${input}`,
      },
    };
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
