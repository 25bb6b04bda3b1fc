import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  applyNormalization,
  checkFinalPath,
  checkOutputPaths,
  type Cube,
  type CubeMetadata,
  cubeFormatOf,
  cropCube,
  cubeInfo,
  denormalize,
  enviWritePaths,
  formatEnviHeader,
  HsiFormatError,
  type NormalizationRecord,
  openPartialFile,
  type ReadCubeOptions,
  readCube,
  readCubeWindow,
  readWholeToTile,
  removeStalePartials,
  scaleMapInfo,
  toBipCube,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { Float32FileSink } from './file-sink.js';
import { fillNoData, float32NoData, restoreNoData, validBandStatistics } from './no-data.js';
import { selfEnsembleTileRunner } from './self-ensemble.js';
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
  /**
   * How to read the input where its file alone cannot say: an HDF5 / NetCDF-4 file's `dataset`
   * and `bandAxis`, a MAT file's `variable` (hsi-data's ReadCubeOptions).
   */
  read?: Pick<ReadCubeOptions, 'dataset' | 'bandAxis' | 'variable'>;
  /**
   * The geometric self-ensemble on every tile (src/self-ensemble.ts): the mean of the model over
   * the tile's 8 rotations and flips. 8x the time, usually better scores.
   */
  selfEnsemble?: boolean;
  tile?: number;
  overlap?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Per-band statistics of a whole input cube over its valid samples (not no-data, not NaN), in
 * the input's units; `count[b]` is 0 for a band with no valid sample.
 */
export interface BandStatistics {
  mean: Float64Array;
  meanSquare: Float64Array;
  count: Float64Array;
}

/**
 * A model that needs the whole input's band statistics to run its tiles, and takes any band count
 * (or a fixed one): e.g. a model that normalises each input by its own band moments, as the
 * any-band models of @hsrkit/lkca-net do. Its tiles arrive in the input's units, no-data filled
 * with the band mean, and must come back in them.
 */
export interface BandStatsModel {
  scale: number;
  /** Bands it takes; undefined: any count. */
  bands?: number;
  /** The tile runner for one input: a function, or (e.g. a pool of worker threads started for
   * this input) a runner with the tiles it runs at once and a `close` called when the file is done,
   * also on failure. */
  runnerFor(stats: BandStatistics): TileRunner | Promise<BandStatsRunner>;
}

/** What `BandStatsModel.runnerFor` may start for one input. */
export interface BandStatsRunner {
  runner: TileRunner;
  /** Tiles in flight at once (default the call's `concurrency`). */
  concurrency?: number;
  close?(): Promise<void>;
}

export interface UpscaleFileWithBandStatsOptions
  extends Omit<UpscaleFileOptions, 'runner' | 'model'> {
  model: BandStatsModel;
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
  const { model, runner, ...rest } = opts;
  return upscaleFileWith(input, output, rest, {
    bands: modelBands(model),
    scale: modelScale(model),
    normalization: readModelMetadata(model).normalization,
    runner,
  });
}

/**
 * `upscaleFile` for a model that needs the whole input's band statistics (`BandStatsModel`): a
 * first pass over the input (row blocks, bounded memory) measures each band's mean and mean
 * square over valid samples (not the declared no-data value). Then the same tiled path: tiles in the input's units (no-data filled with the
 * band mean), seams blended, no-data written back, output in bounded memory for ENVI.
 */
export async function upscaleFileWithBandStats(
  input: string,
  output: string,
  opts: UpscaleFileWithBandStatsOptions,
): Promise<UpscaleFileResult> {
  const { model, ...rest } = opts;
  return upscaleFileWith(input, output, rest, {
    bands: model.bands,
    scale: model.scale,
    runnerFor: (stats) => model.runnerFor(stats),
  });
}

/** What `upscaleFileWith` runs: a runner, or one made from the input's band statistics. */
interface FileModel {
  bands: number | undefined;
  scale: number;
  normalization?: NormalizationRecord;
  runner?: TileRunner;
  runnerFor?: (stats: BandStatistics) => TileRunner | Promise<BandStatsRunner>;
}

async function upscaleFileWith(
  input: string,
  output: string,
  opts: Omit<UpscaleFileOptions, 'runner' | 'model'>,
  fileModel: FileModel,
): Promise<UpscaleFileResult> {
  // Nothing is read or written before the output is known not to destroy the input (same file,
  // hard or symbolic link, ENVI header or data file) and not to be a directory or a symlink.
  await checkOutputPaths(output, [input]);
  // A format that is read only fails now, not after the whole run.
  if (cubeFormatOf(output) === 'hdf5')
    throw new HsiFormatError(
      output,
      'format',
      'HDF5 / NetCDF-4 is read, not written: write ENVI (.hdr), GeoTIFF (.tif), .mat or .npy',
    );
  const readOpts = opts.read ?? {};
  const info = await cubeInfo(input, readOpts);
  const bands = fileModel.bands ?? info.bands;
  if (bands !== info.bands)
    throw new UpscaleInputError(`${input} has ${info.bands} bands but the model takes ${bands}`);
  const scale = fileModel.scale;
  if (opts.scale && opts.scale !== scale)
    throw new UpscaleInputError(`the model upscales x${scale}, not the requested x${opts.scale}`);
  const record = fileModel.normalization;
  // Files where every window would decode most of the file (a .mat variable, an HDF5 dataset in
  // chunks as large as a quarter of the image) are read once; the others window by window, so
  // memory stays bounded.
  const whole = readWholeToTile(info) ? await readCube(input, readOpts) : undefined;
  const readWindow = (w: Window) => {
    const win = { row: w.row, col: w.col, rows: w.height, cols: w.width };
    return whole ? cropCube(input, whole, win) : readCubeWindow(input, win, readOpts);
  };
  const readLrRows = async (row: number, count: number) =>
    toBipCube(await readWindow({ row, col: 0, height: count, width: info.cols }))
      .data as Float32Array;
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
  const enviPaths = format === 'envi' ? enviWritePaths(output) : undefined;
  const accTarget = enviPaths?.dataFile ?? output;
  await fs.mkdir(dirname(output) || '.', { recursive: true });
  await checkDiskSpace(output, rows * cols * bands * 4 * (enviPaths ? 1 : 2));
  // Temp files a killed run left for these outputs go; ours are created exclusively.
  for (const f of enviPaths ? [enviPaths.dataFile, enviPaths.headerFile] : [output])
    await removeStalePartials(f);
  // No-data samples (ENVI `data ignore value`, GDAL nodata) are filled with their band's mean of
  // valid samples before the network and written back as no-data after it (src/no-data.ts).
  const noData = meta.noDataValue !== undefined ? float32NoData(meta.noDataValue) : undefined;
  const stats =
    noData !== undefined || fileModel.runnerFor
      ? await validBandStatistics(readLrRows, info.rows, info.cols, bands, noData)
      : undefined;
  const noDataFill = stats && { fill: Float32Array.from(stats.mean), any: stats.anyNoData };
  const masking = noData !== undefined && noDataFill?.any === true;
  const made = fileModel.runnerFor ? await fileModel.runnerFor(stats!) : fileModel.runner!;
  const started: BandStatsRunner = typeof made === 'function' ? { runner: made } : made;
  const baseRunner = started.runner;
  const concurrency = started.concurrency ?? opts.concurrency;
  try {
    const source: TileSource = {
      rows: info.rows,
      cols: info.cols,
      bands,
      async read(w) {
        const cube = toBipCube(await readWindow(w));
        if (masking) fillNoData(cube.data as Float32Array, bands, noData, noDataFill.fill);
        return toBipCube(record ? applyNormalization(cube, record) : cube).data;
      },
    };
    const modelRun = opts.selfEnsemble ? selfEnsembleTileRunner(baseRunner, scale) : baseRunner;
    const runner: TileRunner = async (lr, h, w, b) => {
      const hr = await modelRun(lr, h, w, b);
      if (!record) return hr;
      return toBipCube(denormalize(bipCube(hr, h * scale, w * scale, b), record)).data;
    };
    const acc = await openPartialFile(accTarget);
    const accPath = acc.path;
    let sink: Float32FileSink;
    try {
      sink = await Float32FileSink.onHandle(acc.handle, accPath, rows, cols, bands);
    } catch (e) {
      await acc.handle.close();
      await fs.rm(accPath, { force: true });
      throw e;
    }
    let hdrTmp: string | undefined;
    try {
      await upscaleTiled(source, runner, sink, {
        scale,
        tile: opts.tile,
        overlap: opts.overlap,
        concurrency,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      if (masking) {
        // One LR row block at a time: its HR rows get no-data where their LR parent had it.
        const block = 16;
        for (let r = 0; r < info.rows; r += block) {
          const n = Math.min(block, info.rows - r);
          const lr = await readLrRows(r, n);
          const hr = await sink.readRows(r * scale, n * scale);
          restoreNoData(hr, r * scale, n * scale, lr, r, info.cols, bands, scale, noData);
          await sink.writeRows(r * scale, hr);
        }
      }
      if (enviPaths) {
        await sink.close();
        const header = formatEnviHeader(
          { ...meta, rows, cols, bands, interleave: 'bip', data: new Float32Array(0) },
          { interleave: 'bip', sampleType: 'float32', byteOrder: 0 },
        );
        const hdr = await openPartialFile(enviPaths.headerFile);
        const hdrPath = hdr.path;
        hdrTmp = hdrPath;
        try {
          await hdr.handle.writeFile(header);
        } finally {
          await hdr.handle.close();
        }
        await checkFinalPath(enviPaths.dataFile);
        await checkFinalPath(enviPaths.headerFile);
        await fs.rename(accPath, enviPaths.dataFile);
        await fs.rename(hdrPath, enviPaths.headerFile);
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
      if (hdrTmp) await fs.rm(hdrTmp, { force: true });
      throw e;
    }
  } finally {
    await started.close?.();
  }
}

/**
 * Refuses, before any work, an output that cannot fit on its disk (a header declaring 1e9 lines
 * would otherwise fail deep inside with EFBIG, or fill the disk).
 */
async function checkDiskSpace(output: string, bytes: number): Promise<void> {
  if (!Number.isSafeInteger(bytes))
    throw new UpscaleInputError(`${output}: the output would be ${bytes} bytes: too large`);
  const stats = await fs.statfs(dirname(output) || '.').catch(() => undefined);
  if (!stats) return;
  const free = stats.bavail * stats.bsize;
  if (bytes > free)
    throw new UpscaleInputError(
      `${output}: the output needs ${bytes} bytes but its disk has ${free} free`,
    );
}
