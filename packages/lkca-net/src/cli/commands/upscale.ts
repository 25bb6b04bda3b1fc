import { checkOutputPaths, cubeInfo } from '@hsrkit/hsi-data/node';
import { upscaleFileWithModel } from '@hsrkit/inference/node';
import type { Command } from 'commander';
import { upscaleFileWithAnyBand } from '../../any-band/upscale-file-node.js';
import { upscaleFileWithCascade } from '../../cascade-file-node.js';
import { resolveModel } from '../../shipped-models.js';
import {
  type CommonOptions,
  makeContext,
  parseCubeSelection,
  parseNumber,
  parseTiledRun,
} from '../context.js';
import { cubeSelectionOptions, jsonOption, tiledRunOptions } from '../options.js';

export function upscaleCommand(program: Command): void {
  const cmd = program
    .command('upscale')
    .description(
      'super-resolve a cube of any size with any TF.js SR model, tile by tile, in the input units',
    )
    .argument('<file>', 'LR cube file')
    .requiredOption(
      '--model <name|dir>',
      'a shipped model (lkca models) or a model folder / model.json',
    )
    .requiredOption(
      '-o, --output <file>',
      'output cube (format by extension; ENVI keeps memory bounded)',
    );
  jsonOption(
    cubeSelectionOptions(tiledRunOptions(cmd))
      .option('--scale <s>', 'check that the model upscales by this factor')
      .option(
        '--self-ensemble',
        'average the model over the 8 rotations and flips of every tile; 8x the time, better scores',
      ),
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
        selfEnsemble?: boolean;
        dataset?: string;
        bandAxis?: string;
      },
    ) => {
      const ctx = makeContext(o);
      // Before the backend starts or the model loads: the output must not be the input (or a
      // directory, or a symlink), and the input's header must agree with its file.
      await checkOutputPaths(o.output, [file]);
      const read = parseCubeSelection(o);
      await cubeInfo(file, read);
      const model = resolveModel(o.model);
      const info = await ctx.runtime();
      const progress = ctx.out.tracker('tiles');
      let stageProgress = progress;
      const t0 = performance.now();
      const scale = parseNumber('scale', o.scale, { int: true, min: 2 });
      // An any-band model has its own tile runner (band groups, normalised by the whole input's
      // band moments), on the same bounded-memory file path and worker threads.
      const tiled = parseTiledRun(o, info.backend);
      // 'auto' on the CPU: threads only where the cube has the tiles to pay for starting them.
      const workers =
        (o.workers ?? 'auto') === 'auto' && (info.backend === 'wasm' || info.backend === 'cpu')
          ? ('auto' as const)
          : tiled.workers;
      const onWorkersChosen = (n: number, passes: number) =>
        ctx.out.info(
          `workers: ${n} for ${passes} tile pass${passes === 1 ? '' : 'es'}${n === 1 ? ' (too few to pay for starting threads; --workers N to force)' : ''}`,
        );
      const res =
        model.kind === 'cascade'
          ? await upscaleFileWithCascade(file, o.output, {
              model,
              scale,
              tile: tiled.tile,
              overlap: tiled.overlap,
              selfEnsemble: !!o.selfEnsemble,
              read,
              workers,
              onWorkersChosen,
              runtime: info.requested,
              signal: ctx.signal,
              onStage: (i, n, stage) => {
                ctx.out.info(`stage ${i + 1}/${n}: ${stage.name} (x${stage.scale})`);
                // Each stage has its own tiles: a progress bar of its own.
                stageProgress.stop();
                stageProgress = ctx.out.tracker(`stage ${i + 1}/${n} tiles`);
              },
              onProgress: (done, total) => stageProgress.onProgress(done, total),
            }).finally(() => stageProgress.stop())
          : model.kind === 'any-band'
            ? await upscaleFileWithAnyBand(file, o.output, {
                modelPath: model.path,
                scale,
                tile: tiled.tile,
                overlap: tiled.overlap,
                selfEnsemble: !!o.selfEnsemble,
                read,
                workers,
                onWorkersChosen,
                runtime: info.requested,
                signal: ctx.signal,
                onWorkers: (devices) => ctx.out.info(`workers: ${devices.join('; ')}`),
                onProgress: progress.onProgress,
              }).finally(progress.stop)
            : await upscaleFileWithModel(file, o.output, {
                modelPath: model.path,
                runtime: info.requested,
                ...tiled,
                workers,
                onWorkersChosen,
                scale,
                read,
                selfEnsemble: !!o.selfEnsemble,
                signal: ctx.signal,
                onWorkers: (devices) => ctx.out.info(`workers: ${devices.join('; ')}`),
                onWorkersCapped: (used, requested) =>
                  ctx.out.info(
                    `--workers ${requested} is more than this machine's ${used} cores: using ${used} workers`,
                  ),
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
