import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkOutputPaths, readCube, writeCube } from '@hsrkit/hsi-data/node';
import type { Command } from 'commander';
import { degradeCube } from '../../degrade-cube.js';
import { type CommonOptions, makeContext, parseCubeSelection, parseNumber } from '../context.js';
import { cubeSelectionOptions, jsonOption } from '../options.js';

export function degradeCommand(program: Command): void {
  const cmd = program
    .command('degrade')
    .description(
      'MATLAB bicubic x1/s downsampling (values otherwise unchanged), optional blur and noise',
    )
    .argument('<file>', 'HR cube file')
    .requiredOption('--scale <s>', 'integer downscaling factor')
    .requiredOption('-o, --output <file>', 'LR cube to write (format by extension)')
    .option('--blur-sigma <sigma>', 'Gaussian blur before downsampling (blind SR)')
    .option('--noise-snr <dB>', 'add Gaussian noise at this SNR after downsampling')
    .option('--seed <n>', 'noise seed', '0');
  jsonOption(cubeSelectionOptions(cmd)).action(
    async (
      file: string,
      o: CommonOptions & {
        dataset?: string;
        bandAxis?: string;
        scale: string;
        output: string;
        blurSigma?: string;
        noiseSnr?: string;
        seed: string;
      },
    ) => {
      const ctx = makeContext(o);
      const scale = parseNumber('scale', o.scale, { int: true, min: 2 })!;
      // Before any work: never overwrite the input (same path, link, ENVI header or data file),
      // never write into a directory or through a symlink.
      await checkOutputPaths(o.output, [file]);
      await ctx.runtime();
      const hr = await readCube(file, parseCubeSelection(o));
      const lr = await degradeCube(hr, {
        scale,
        blurSigma: parseNumber('blur-sigma', o.blurSigma, { min: 0 }),
        noiseSnrDb: parseNumber('noise-snr', o.noiseSnr),
        seed: parseNumber('seed', o.seed, { int: true }),
      });
      // Like upscale and train, a missing output folder is created.
      await mkdir(dirname(o.output) || '.', { recursive: true });
      await writeCube(o.output, lr);
      ctx.out.result(
        { output: o.output, rows: lr.rows, cols: lr.cols, bands: lr.bands, scale },
        `wrote ${o.output}: ${lr.rows} x ${lr.cols} x ${lr.bands} (x1/${scale} of ${lr.rows * scale} x ${lr.cols * scale})`,
      );
    },
  );
}
