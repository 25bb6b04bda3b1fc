import {
  checkOutputPaths,
  computeMetrics,
  type MetricPreset,
  readCube,
} from '@hsrkit/hsi-data/node';
import type { Command } from 'commander';
import { cubeMax } from '../../data-range.js';
import { type CommonOptions, makeContext, parseChoice, parseNumber } from '../context.js';
import { metricColumn, metricValues } from '../metric-table.js';
import { jsonOption } from '../options.js';
import { samMapText, writeSamMap } from '../sam-map.js';

export function metricsCommand(program: Command): void {
  const cmd = program
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
    .option(
      '--sam-map <png>',
      "write each pixel's spectral angle to the ground truth as a grey PNG (black 0 deg, white at the 99th percentile)",
    );
  jsonOption(cmd).action(
    async (
      gtFile: string,
      predFile: string,
      o: CommonOptions & { preset: string; scale: string; dataRange?: string; samMap?: string },
    ) => {
      const ctx = makeContext(o);
      const preset = parseChoice<MetricPreset>('preset', o.preset, ['sspsr', 'mcnet']);
      if (o.samMap) await checkOutputPaths(o.samMap, [gtFile, predFile]);
      await ctx.runtime();
      const gt = await readCube(gtFile);
      const pred = await readCube(predFile);
      const dataRange = parseNumber('data-range', o.dataRange, { min: 0 }) ?? cubeMax(gt);
      const m = await computeMetrics(gt, pred, {
        preset,
        scale: parseNumber('scale', o.scale, { min: 1 })!,
        dataRange,
      });
      const samMap = o.samMap ? await writeSamMap(o.samMap, gt, [pred], preset) : undefined;
      ctx.out.result(
        { ...metricValues(m), preset, dataRange, ...(samMap ? { samMap } : {}) },
        metricColumn(m) + (samMap ? `\n${samMapText(samMap, ['the reconstruction'])}` : ''),
      );
    },
  );
}
