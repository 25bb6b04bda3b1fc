import { conversionReportMarkdown } from '@hsrkit/lowrank';
import type { Command } from 'commander';
import { compressSavedModel } from '../../compress-saved-model.js';
import {
  CliUsageError,
  type CommonOptions,
  makeContext,
  parseChoice,
  parseNumber,
} from '../context.js';
import { backendOption, jsonOption } from '../options.js';
import { formatNumber } from '../output.js';

interface CompressFlags extends CommonOptions {
  method: string;
  rank?: string;
  energy?: string;
  groups?: string;
  layer?: string[];
  calibration?: string;
  output: string;
}

export function compressCommand(program: Command): void {
  const cmd = program
    .command('compress')
    .description(
      'replace the upsampler (or named layers) of ANY TF.js model by an SVD pair or a grouped conv',
    )
    .argument('<model>', 'model folder or model.json')
    .requiredOption('--method <m>', 'svd | group')
    .option('--rank <r>', 'svd: rank to keep')
    .option('--energy <e>', 'svd: keep this share of the spectrum energy, e.g. 0.9')
    .option('--groups <g>', 'group: number of groups')
    .option('--layer <names...>', 'layers to convert (default: the upsampling layers found)')
    .option('--calibration <file>', 'a cube to measure the output error on (centre crop)')
    .requiredOption('-o, --output <dir>', 'model folder to write');
  jsonOption(backendOption(cmd)).action(async (path: string, o: CompressFlags) => {
    const ctx = makeContext(o);
    const method = parseChoice('method', o.method, ['svd', 'group'] as const);
    const rank = parseNumber('rank', o.rank, { int: true, min: 1 });
    const energy = parseNumber('energy', o.energy, { min: 0 });
    const groups = parseNumber('groups', o.groups, { int: true, min: 1 });
    if (method === 'svd' && rank === undefined && energy === undefined)
      throw new CliUsageError('--method svd needs --rank or --energy');
    if (method === 'group' && groups === undefined)
      throw new CliUsageError('--method group needs --groups');
    // A runtime before the first tensor: TF.js would otherwise fall back to its cpu backend.
    await ctx.runtime();
    const { report, bytesBefore, bytesAfter } = await compressSavedModel({
      modelPath: path,
      output: o.output,
      method,
      rank,
      energy,
      groups,
      layers: o.layer,
      calibrationFile: o.calibration,
    });
    ctx.out.result(
      { ...report, output: o.output, outputError: report.output, bytesBefore, bytesAfter },
      `${conversionReportMarkdown(report)}\nsaved ${o.output}: ${formatNumber(bytesAfter)} bytes (was ${formatNumber(bytesBefore)})`,
    );
  });
}
