import { upscaleFileWithModel } from '@hsrkit/inference/node';
import type { Command } from 'commander';
import { type CommonOptions, makeContext, parseNumber, parseTiledRun } from '../context.js';
import { jsonOption, tiledRunOptions } from '../options.js';

export function upscaleCommand(program: Command): void {
  const cmd = program
    .command('upscale')
    .description(
      'super-resolve a cube of any size with any TF.js SR model, tile by tile, in the input units',
    )
    .argument('<file>', 'LR cube file')
    .requiredOption('--model <dir>', 'model folder or model.json')
    .requiredOption(
      '-o, --output <file>',
      'output cube (format by extension; ENVI keeps memory bounded)',
    );
  jsonOption(
    tiledRunOptions(cmd).option('--scale <s>', 'check that the model upscales by this factor'),
  ).action(
    async (
      file: string,
      o: CommonOptions & {
        model: string;
        output: string;
        tile?: string;
        overlap: string;
        workers: string;
        scale?: string;
      },
    ) => {
      const ctx = makeContext(o);
      const info = await ctx.runtime();
      const progress = ctx.out.tracker('tiles');
      const t0 = performance.now();
      const res = await upscaleFileWithModel(file, o.output, {
        modelPath: o.model,
        runtime: info.requested,
        ...parseTiledRun(o, info.backend),
        scale: parseNumber('scale', o.scale, { int: true, min: 2 }),
        signal: ctx.signal,
        onWorkers: (devices) => ctx.out.info(`workers: ${devices.join('; ')}`),
        onProgress: progress.onProgress,
      }).finally(progress.stop);
      const ms = performance.now() - t0;
      ctx.out.result(
        {
          output: res.files,
          rows: res.rows,
          cols: res.cols,
          bands: res.bands,
          scale: res.scale,
          backend: info.backend,
          device: info.device,
          ms,
        },
        `wrote ${res.files.join(' + ')}: ${res.rows} x ${res.cols} x ${res.bands} (x${res.scale}) in ${(ms / 1000).toFixed(1)} s on ${info.backend}`,
      );
    },
  );
}
