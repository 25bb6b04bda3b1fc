import {
  applyNormalization,
  type Cube,
  cropCube,
  readCube,
  toBipCube,
} from '@hsrkit/hsi-data/node';
import {
  checkModelOutputDir,
  loadModel,
  modelBands,
  modelFileBytes,
  readModelMetadata,
  saveModel,
  withModelMetadata,
} from '@hsrkit/inference/node';
import { type ConversionReport, findUpsamplers, lowRankConvert } from '@hsrkit/lowrank';
import * as tf from '@tensorflow/tfjs';

export interface SavedModelCompression {
  /** Model folder or model.json of ANY TF.js model. */
  modelPath: string;
  /**
   * Folder the compressed model is written to (with the original's hsrkit metadata). Checked before
   * any work: never the input model's folder (or one holding it or the calibration cube), a file,
   * a symbolic link or a folder with other files (ModelFileError).
   */
  output: string;
  method: 'svd' | 'group';
  /** svd: rank to keep, or the share of the spectrum energy to keep. */
  rank?: number;
  energy?: number;
  /** group: number of groups. */
  groups?: number;
  /** Layers to convert (default: the upsampling layers @hsrkit/lowrank finds). */
  layers?: string[];
  /** A cube whose centre crop (at most 48 x 48) the output error is measured on. */
  calibrationFile?: string;
}

export interface SavedModelCompressionResult {
  report: ConversionReport;
  /** Bytes of the model's files before and after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** The centre crop (at most `size` x `size`) of a cube as the model's input `[1, h, w, B]`. */
export function calibrationBatch(model: tf.LayersModel, cube: Cube, size = 48): tf.Tensor4D {
  const edge = Math.min(size, cube.rows, cube.cols);
  let crop = cropCube('calibration', cube, {
    row: Math.floor((cube.rows - edge) / 2),
    col: Math.floor((cube.cols - edge) / 2),
    rows: edge,
    cols: edge,
  });
  const record = readModelMetadata(model).normalization;
  if (record) crop = applyNormalization(crop, record);
  return tf.tensor4d(toBipCube(crop).data, [1, edge, edge, cube.bands]);
}

/**
 * Replaces the upsampler (or the named layers) of a saved model by an SVD pair or a grouped conv
 * (@hsrkit/lowrank's `lowRankConvert`, which keeps a layer where that would not save anything) and
 * saves the result.
 */
export async function compressSavedModel(
  opts: SavedModelCompression,
): Promise<SavedModelCompressionResult> {
  const inputs = [opts.modelPath, ...(opts.calibrationFile ? [opts.calibrationFile] : [])];
  await checkModelOutputDir(opts.output, inputs);
  const bytesBefore = await modelFileBytes(opts.modelPath);
  const model = await loadModel(opts.modelPath);
  let calibration: tf.Tensor | undefined;
  try {
    const names = opts.layers ?? findUpsamplers(model).map((u) => u.layer);
    if (!names.length)
      throw new RangeError(
        `${opts.modelPath}: no upsampling layer found; name the layers to convert`,
      );
    if (opts.calibrationFile)
      calibration = calibrationBatch(
        model,
        await readCube(opts.calibrationFile, { nonFinite: { fill: 0 } }),
      );
    const { rank, energy, groups, method } = opts;
    const { model: converted, report } = await lowRankConvert(
      model,
      { layers: names.map((layer) => ({ layer, method, rank, energy, groups })) },
      { calibration, inputShape: [64, 64, modelBands(model)] },
    );
    withModelMetadata(converted, readModelMetadata(model));
    await saveModel(converted, opts.output);
    converted.dispose();
    return {
      report,
      bytesBefore,
      bytesAfter: await modelFileBytes(opts.output),
    };
  } finally {
    calibration?.dispose();
    model.dispose();
  }
}
