import { listCheckpoints } from '@hsrkit/distill/node';
import { saveModel } from '@hsrkit/inference/node';
import { prepareTrainingKernels } from '@hsrkit/layers';
import type { Command } from 'commander';
import type { UpsamplerKind } from '../../model.js';
import { trainOnSceneFiles } from '../../train-on-files.js';
import {
  CliUsageError,
  type CommonOptions,
  makeContext,
  parseChoice,
  parseNumber,
} from '../context.js';
import { backendOption, jsonOption, winogradOption } from '../options.js';
import { formatNumber } from '../output.js';

interface TrainFlags extends CommonOptions {
  data: string[];
  scale: string;
  output: string;
  teacher?: string;
  alpha: string;
  steps: string;
  upsampler: string;
  channels: string;
  blocks: string;
  rank: string;
  batch: string;
  patch?: string;
  lr: string;
  holdOutCols?: string;
  checkpointDir?: string;
  checkpointEvery: string;
  resume?: boolean;
  seed: string;
}

export function trainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description(
      'train an LKCA-Net on real scenes (SSPSR patches, MATLAB bicubic LR); with --teacher, LKCA-KD distillation',
    )
    .requiredOption('--data <files...>', 'training cube files (same band count)')
    .requiredOption('--scale <s>', 'integer SR scale')
    .requiredOption('-o, --output <dir>', 'model folder to write')
    .option('--teacher <dir>', 'trained teacher model: distil its features into the student')
    .option('--alpha <a>', "weight of the teacher's feature terms", '0.1')
    .option('--steps <n>', 'training steps', '1000')
    .option('--upsampler <kind>', 'conv | group | svd', 'svd')
    .option('--channels <n>', 'feature width C', '64')
    .option('--blocks <n>', 'LKB blocks', '4')
    .option('--rank <r>', "rank of the 'svd' upsampler", '16')
    .option('--batch <n>', 'batch size', '8')
    .option('--patch <n>', 'HR patch side (multiple of the scale)')
    .option('--lr <rate>', 'peak learning rate (cosine schedule)', '0.001')
    .option(
      '--hold-out-cols <n>',
      'keep the last n columns of the first scene out of training, for validation',
    )
    .option('--checkpoint-dir <dir>', 'write checkpoints here (resume with --resume)')
    .option('--checkpoint-every <steps>', 'steps between checkpoints', '100')
    .option(
      '--resume',
      'continue from the newest checkpoint in --checkpoint-dir (exactly: weights, optimizer, data order)',
    )
    .option('--seed <n>', 'seed of everything: weight init, patch order, augmentation', '0');
  jsonOption(winogradOption(backendOption(cmd))).action(async (o: TrainFlags) => {
    const ctx = makeContext(o, { training: true });
    const checkpointEvery = parseNumber('checkpoint-every', o.checkpointEvery, {
      int: true,
      min: 1,
    })!;
    if (o.resume) {
      // Resuming from nothing would silently start again at step 1: refused.
      if (!o.checkpointDir) throw new CliUsageError('--resume needs --checkpoint-dir <dir>');
      const found = await listCheckpoints(o.checkpointDir).catch(() => []);
      if (found.length === 0)
        throw new CliUsageError(
          `--resume: no checkpoint in ${o.checkpointDir} (nothing to resume; drop --resume to start)`,
        );
    }
    await ctx.runtime();
    // Which kernels train (the trainer registers the same ones again, at no cost).
    const kernels = o.winograd === false ? 'tfjs' : 'fastest';
    ctx.out.info(`training kernels: ${(await prepareTrainingKernels({ kernels })).kernels}`);
    const scale = parseNumber('scale', o.scale, { int: true, min: 2 })!;
    const steps = parseNumber('steps', o.steps, { int: true, min: 1 })!;
    const upsampler = parseChoice<UpsamplerKind>('upsampler', o.upsampler, [
      'conv',
      'group',
      'svd',
    ]);
    const bar = ctx.out.progress('steps', steps);
    const res = await trainOnSceneFiles({
      dataFiles: o.data,
      teacherPath: o.teacher,
      holdOutCols: parseNumber('hold-out-cols', o.holdOutCols, { int: true, min: 1 }),
      scale,
      steps,
      model: {
        upsampler,
        channels: parseNumber('channels', o.channels, { int: true, min: 1 }),
        blocks: parseNumber('blocks', o.blocks, { int: true, min: 1 }),
        upsamplerRank: parseNumber('rank', o.rank, { int: true, min: 1 }),
      },
      alpha: parseNumber('alpha', o.alpha, { min: 0 }),
      batchSize: parseNumber('batch', o.batch, { int: true, min: 1 }),
      patchSize: parseNumber('patch', o.patch, { int: true, min: scale }),
      lr: parseNumber('lr', o.lr, { min: 0 }),
      seed: parseNumber('seed', o.seed, { int: true }),
      checkpointDir: o.checkpointDir,
      checkpointEvery,
      resume: !!o.resume,
      signal: ctx.signal,
      kernels,
      onProgress: (e) => {
        bar.update(
          e.step,
          `loss ${e.losses.total.toFixed(4)} ${e.stepsPerSecond.toFixed(2)} it/s${e.validation ? ` val ${e.validation.metrics.mpsnr.toFixed(2)} dB` : ''}`,
        );
      },
    }).finally(() => bar.stop());
    await saveModel(res.model, o.output);
    const validation = res.finalValidation;
    const aborted = res.result.aborted;
    const value = {
      output: o.output,
      steps: res.result.step,
      aborted: res.result.aborted,
      params: res.model.countParams(),
      validation: validation ?? null,
      kernels: res.result.kernels,
    };
    ctx.out.result(
      value,
      `saved ${o.output} after ${res.result.step} steps${res.result.aborted ? ' (aborted; resume with --resume)' : ''}; params ${formatNumber(value.params)}${
        validation ? `; held-out MPSNR ${validation.mpsnr.toFixed(2)} dB` : ''
      }`,
    );
    res.result.dispose();
    res.model.dispose();
    // Interrupted (Ctrl-C, SIGTERM): the model of the last finished step is saved above (and a
    // checkpoint, with --checkpoint-dir); the exit status still says the run did not finish.
    if (aborted)
      throw new Error(
        `interrupted: stopped after step ${value.steps} of ${steps}; the model is saved in ${o.output}`,
      );
  });
}
