import type { Command } from 'commander';
import {
  type Cube,
  computeMetrics,
  cubeInfo,
  cubeToTensor,
  degrade,
  falseColor,
  type MetricPreset,
  readCube,
  readCubeWindow,
  tensorToCube,
  toInterleave,
  writeCube,
  writePng,
} from '@hsrkit/hsi-data/node';
import * as tf from '@tensorflow/tfjs';
import {
  CliUsageError,
  type CommonOptions,
  makeContext,
  parseList,
  parseNumber,
} from '../context.js';
import { table } from '../output.js';

/** Valid-data min/max, reading the file in row blocks so memory stays bounded. */
async function validRange(file: string, rows: number, cols: number, noData?: number) {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let invalid = 0;
  const block = Math.max(1, Math.floor(4_000_000 / Math.max(1, cols)));
  for (let r = 0; r < rows; r += block) {
    const c = await readCubeWindow(
      file,
      { row: r, col: 0, rows: Math.min(block, rows - r), cols },
      { nonFinite: 'keep' },
    );
    for (const v of c.data) {
      if (!Number.isFinite(v) || v === noData) {
        invalid++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max, invalid };
}

export function dataCommands(program: Command): void {
  program
    .command('info')
    .description(
      'shape, sample type, interleave, wavelengths, valid-data min/max and no-data of a cube file',
    )
    .argument('<file>', 'ENVI (.hdr/.img/...), MATLAB .mat, GeoTIFF or .npy')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: CommonOptions) => {
      const { out } = makeContext(o);
      const info = await cubeInfo(file);
      const meta = await readCubeWindow(
        file,
        { row: 0, col: 0, rows: 1, cols: 1 },
        { nonFinite: 'keep' },
      );
      const range = await validRange(file, info.rows, info.cols, meta.noDataValue);
      const w = info.wavelengths;
      const value = {
        file,
        format: info.format,
        rows: info.rows,
        cols: info.cols,
        bands: info.bands,
        dtype: info.sampleType,
        interleave: info.interleave,
        byteOrder: info.littleEndian ? 'little' : 'big',
        wavelengths: w ?? null,
        wavelengthUnits: info.wavelengthUnits ?? null,
        noData: meta.noDataValue ?? null,
        scaleFactor: meta.scaleFactor ?? null,
        min: range.min,
        max: range.max,
        invalidSamples: range.invalid,
        ...(info.variable ? { variable: info.variable } : {}),
      };
      out.result(
        value,
        table([
          ['field', 'value'],
          ['format', `${info.format}${info.variable ? ` (variable ${info.variable})` : ''}`],
          ['size (rows x cols x bands)', `${info.rows} x ${info.cols} x ${info.bands}`],
          ['sample type', `${info.sampleType}, ${value.byteOrder}-endian`],
          ['interleave', info.interleave],
          [
            'wavelengths',
            w
              ? `${w.length} from ${w[0]} to ${w[w.length - 1]} ${info.wavelengthUnits ?? ''}`
              : 'none',
          ],
          ['valid min / max', `${range.min} / ${range.max}`],
          ['no-data value', String(meta.noDataValue ?? 'none')],
          ['invalid samples (no-data, NaN, Inf)', String(range.invalid)],
        ]),
      );
    });

  program
    .command('preview')
    .description(
      'false-colour PNG of a cube (bands nearest 640/550/460 nm by default, 2-98 % stretch)',
    )
    .argument('<file>', 'cube file')
    .requiredOption('-o, --output <png>', 'PNG to write')
    .option('--bands <r,g,b>', 'band indices (0-based) for red, green, blue')
    .option('--rgb-nm <r,g,b>', 'wavelengths (nm) to pick the nearest bands for')
    .option('--percentiles <lo,hi>', 'stretch percentiles', '2,98')
    .option('--json', 'machine-readable output')
    .action(
      async (
        file: string,
        o: CommonOptions & { output: string; bands?: string; rgbNm?: string; percentiles: string },
      ) => {
        const { out } = makeContext(o);
        const cube = await readCube(file, { nonFinite: { fill: 0 } });
        const bands = parseList('bands', o.bands, 3) as [number, number, number] | undefined;
        const nm = parseList('rgb-nm', o.rgbNm, 3) as [number, number, number] | undefined;
        const view = await falseColor(cube, {
          ...(bands ? { bands } : {}),
          ...(nm ? { wavelengthsNm: nm } : {}),
          percentiles: parseList('percentiles', o.percentiles, 2) as [number, number],
        } as never);
        await writePng(o.output, view.image);
        out.result(
          { output: o.output, bands: view.bands, rows: view.image.height, cols: view.image.width },
          `wrote ${o.output}: ${view.image.width} x ${view.image.height}, bands ${view.bands.join(', ')}`,
        );
      },
    );

  program
    .command('degrade')
    .description(
      'MATLAB bicubic x1/s downsampling (values otherwise unchanged), optional blur and noise',
    )
    .argument('<file>', 'HR cube file')
    .requiredOption('--scale <s>', 'integer downscaling factor')
    .requiredOption('-o, --output <file>', 'LR cube to write (format by extension)')
    .option('--blur-sigma <sigma>', 'Gaussian blur before downsampling (blind SR)')
    .option('--noise-snr <dB>', 'add Gaussian noise at this SNR after downsampling')
    .option('--seed <n>', 'noise seed', '0')
    .option('--json', 'machine-readable output')
    .action(
      async (
        file: string,
        o: CommonOptions & {
          scale: string;
          output: string;
          blurSigma?: string;
          noiseSnr?: string;
          seed: string;
        },
      ) => {
        const { out } = makeContext(o);
        const scale = parseNumber('scale', o.scale, { int: true, min: 2 })!;
        const sigma = parseNumber('blur-sigma', o.blurSigma, { min: 0 });
        const snr = parseNumber('noise-snr', o.noiseSnr);
        const cube = await readCube(file);
        const rows = cube.rows - (cube.rows % scale);
        const cols = cube.cols - (cube.cols % scale);
        if (rows < scale || cols < scale)
          throw new CliUsageError(
            `${file} (${cube.rows} x ${cube.cols}) is too small for x1/${scale}`,
          );
        const hr = cubeToTensor(tf, cube);
        const cropped = tf.slice(hr, [0, 0, 0], [rows, cols, cube.bands]);
        const lr = degrade(cropped as tf.Tensor3D, {
          scale,
          ...(sigma ? { blur: { sigma } } : {}),
          ...(snr !== undefined
            ? { noise: { snrDb: snr, seed: parseNumber('seed', o.seed, { int: true })! } }
            : {}),
        });
        const { rows: _r, cols: _c, bands: _b, interleave: _i, data: _d, ...meta } = cube;
        const lrCube = await tensorToCube(lr, { ...meta, mapInfo: undefined });
        tf.dispose([hr, cropped, lr]);
        await writeCube(o.output, lrCube);
        out.result(
          { output: o.output, rows: lrCube.rows, cols: lrCube.cols, bands: lrCube.bands, scale },
          `wrote ${o.output}: ${lrCube.rows} x ${lrCube.cols} x ${lrCube.bands} (x1/${scale} of ${rows} x ${cols})`,
        );
      },
    );

  program
    .command('metrics')
    .description('MPSNR, MSSIM, SAM, ERGAS, CC, RMSE of a reconstruction against its ground truth')
    .argument('<gt>', 'ground-truth cube')
    .argument('<pred>', 'reconstructed cube (same shape)')
    .option(
      '--preset <name>',
      'sspsr (per-band PSNR, 7x7 SSIM) or mcnet (whole-cube PSNR, 11x11 Gaussian SSIM)',
      'sspsr',
    )
    .option('--scale <s>', 'SR scale (for ERGAS)', '1')
    .option('--data-range <r>', 'peak value for PSNR/SSIM (default: the ground truth max)')
    .option('--json', 'machine-readable output')
    .action(
      async (
        gtFile: string,
        predFile: string,
        o: CommonOptions & { preset: string; scale: string; dataRange?: string },
      ) => {
        const { out } = makeContext(o);
        if (o.preset !== 'sspsr' && o.preset !== 'mcnet')
          throw new CliUsageError(`--preset must be sspsr or mcnet, got '${o.preset}'`);
        const gt: Cube = await readCube(gtFile);
        const pred: Cube = await readCube(predFile);
        let range: number | undefined = parseNumber('data-range', o.dataRange, { min: 0 });
        if (range === undefined) {
          range = 0;
          for (const v of toInterleave(gt, gt.interleave).data) if (v > range) range = v;
        }
        const m = await computeMetrics(gt, pred, {
          preset: o.preset as MetricPreset,
          scale: parseNumber('scale', o.scale, { min: 1 })!,
          dataRange: range as number,
        });
        const value = {
          mpsnr: m.mpsnr,
          mssim: m.mssim,
          sam: m.sam,
          ergas: m.ergas,
          cc: m.cc,
          rmse: m.rmse,
          preset: o.preset,
          dataRange: range,
        };
        out.result(
          value,
          table([
            ['metric', 'value'],
            ['MPSNR (dB)', m.mpsnr],
            ['MSSIM', m.mssim],
            ['SAM (deg)', m.sam],
            ['ERGAS', m.ergas],
            ['CC', m.cc],
            ['RMSE', m.rmse],
          ]),
        );
      },
    );
}
