import type { Command } from 'commander';
import { summarizeCubeFile } from '../../cube-file-summary.js';
import { type CommonOptions, makeContext } from '../context.js';
import { jsonOption } from '../options.js';
import { table } from '../output.js';

export function infoCommand(program: Command): void {
  const cmd = program
    .command('info')
    .description(
      'shape, sample type, interleave, wavelengths, valid-data min/max and no-data of a cube file',
    )
    .argument('<file>', 'ENVI (.hdr/.img/...), MATLAB .mat, GeoTIFF or .npy');
  jsonOption(cmd).action(async (file: string, o: CommonOptions) => {
    const { out } = makeContext(o);
    const s = await summarizeCubeFile(file);
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
      },
      table([
        ['field', 'value'],
        ['format', `${s.format}${s.variable ? ` (variable ${s.variable})` : ''}`],
        ['size (rows x cols x bands)', `${s.rows} x ${s.cols} x ${s.bands}`],
        ['sample type', `${s.sampleType}, ${byteOrder}-endian`],
        ['interleave', s.interleave],
        [
          'wavelengths',
          w ? `${w.length} from ${w[0]} to ${w[w.length - 1]} ${s.wavelengthUnits ?? ''}` : 'none',
        ],
        ['valid min / max', `${s.range.min} / ${s.range.max}`],
        ['no-data value', String(s.noDataValue ?? 'none')],
        ['invalid samples (no-data, NaN, Inf)', String(s.range.invalid)],
      ]),
    );
  });
}
