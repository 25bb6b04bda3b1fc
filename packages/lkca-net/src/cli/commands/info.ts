import { cubeFormatOf, listHdf5Cubes } from '@hsrkit/hsi-data/node';
import type { Command } from 'commander';
import { summarizeCubeFile } from '../../cube-file-summary.js';
import { type CommonOptions, makeContext, parseCubeSelection } from '../context.js';
import { cubeSelectionOptions, jsonOption } from '../options.js';
import { table } from '../output.js';

export function infoCommand(program: Command): void {
  const cmd = program
    .command('info')
    .description(
      'shape, sample type, interleave, wavelengths, valid-data min/max and no-data of a cube file',
    )
    .argument(
      '<file>',
      'ENVI (.hdr/.img/...), MATLAB .mat, GeoTIFF, .npy, HDF5 / NetCDF-4 (.h5 .he5 .nc ...)',
    );
  jsonOption(cubeSelectionOptions(cmd)).action(
    async (file: string, o: CommonOptions & { dataset?: string; bandAxis?: string }) => {
      const { out } = makeContext(o);
      const select = parseCubeSelection(o);
      // An HDF5 file of several cubes (PRISMA's VNIR and SWIR): what it holds, to pick one.
      if (cubeFormatOf(file) === 'hdf5' && select.dataset === undefined) {
        const cubes = await listHdf5Cubes(file);
        if (cubes.length > 1) {
          out.result(
            { file, format: 'hdf5', datasets: cubes },
            `${file} holds ${cubes.length} 3-D datasets; describe one with --dataset PATH:\n${table(
              [
                ['dataset', 'shape', 'sample type'],
                ...cubes.map((c) => [c.path, c.shape.join(' x '), c.sampleType]),
              ],
            )}`,
          );
          return;
        }
      }
      const s = await summarizeCubeFile(file, select);
      const w = s.wavelengths;
      const byteOrder = s.littleEndian ? 'little' : 'big';
      out.result(
        {
          file,
          format: s.format,
          rows: s.rows,
          cols: s.cols,
          bands: s.bands,
          dtype: s.sampleType,
          interleave: s.interleave,
          byteOrder,
          wavelengths: w ?? null,
          wavelengthUnits: s.wavelengthUnits ?? null,
          noData: s.noDataValue ?? null,
          scaleFactor: s.scaleFactor ?? null,
          min: s.range.min,
          max: s.range.max,
          invalidSamples: s.range.invalid,
          ...(s.variable ? { variable: s.variable } : {}),
          ...(s.dataset
            ? {
                dataset: s.dataset,
                bandAxis: s.bandAxis,
                bandAxisFrom: s.bandAxisFrom,
                chunk: s.chunk ?? null,
              }
            : {}),
        },
        table([
          ['field', 'value'],
          [
            'format',
            `${s.format}${s.variable ? ` (variable ${s.variable})` : ''}${s.dataset ? ` (dataset ${s.dataset}, bands on axis ${s.bandAxis} by ${s.bandAxisFrom})` : ''}`,
          ],
          ['size (rows x cols x bands)', `${s.rows} x ${s.cols} x ${s.bands}`],
          ['sample type', `${s.sampleType}, ${byteOrder}-endian`],
          ['interleave', s.interleave],
          [
            'wavelengths',
            w
              ? `${w.length} from ${w[0]} to ${w[w.length - 1]} ${s.wavelengthUnits ?? ''}`
              : 'none',
          ],
          ...(s.dataset
            ? [
                [
                  'storage',
                  s.chunk
                    ? `chunks of ${s.chunk.rows} x ${s.chunk.cols} x ${s.chunk.bands}`
                    : 'contiguous',
                ] as [string, string],
              ]
            : []),
          ['valid min / max', `${s.range.min} / ${s.range.max}`],
          ['no-data value', String(s.noDataValue ?? 'none')],
          ['invalid samples (no-data, NaN, Inf)', String(s.range.invalid)],
        ]),
      );
    },
  );
}
