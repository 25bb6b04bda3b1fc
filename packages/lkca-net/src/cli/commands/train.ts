import { listCheckpoints } from '@hsrkit/distill/node';
import { saveModel } from '@hsrkit/inference/node';
import { prepareTrainingKernels } from '@hsrkit/layers';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkModelOutputDir, saveAnyBandModel } from '../../any-band/io-node.js';
import { trainAnyBandOnFiles } from '../../any-band/train-files-node.js';
import type { UpsamplerKind } from '../../model.js';
import { resolveModel, SHIPPED_MODELS_DIR } from '../../shipped-models.js';
import { trainOnSceneFiles } from '../../train-on-files.js';
import {
  CliUsageError,
  type CommonOptions,
  makeContext,
  parseChoice,
  parseCubeSelection,
  parseNumber,
} from '../context.js';
import { backendOption, cubeSelectionOptions, jsonOption, winogradOption } from '../options.js';
import { formatNumber } from '../output.js';

interface TrainFlags extends CommonOptions {
  data: string[];
  scale: string;
  output: string;
  teacher?: string;
  alpha: string;
  steps?: string;
  minutes?: string;
  arch: string;
  init?: string;
  upsampler: string;
  channels: string;
  blocks: string;
  rank: string;
  batch?: string;
  patch?: string;
  lr: string;
  holdOutCols?: string;
  checkpointDir?: string;
  checkpointEvery: string;
  resume?: boolean;
  seed: string;
  sam?: string;
  spectralGradient?: string;
  dataset?: string;
  bandAxis?: string;
}

export function trainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description(
      "train on real scenes (MATLAB bicubic LR): by default fine-tune the shipped any-band model (any band count); --arch lkca trains the paper's band-specific LKCA-Net (with --teacher, LKCA-KD distillation)",
    )
    .requiredOption('--data <files...>', 'training cube files (same band count)')
    .requiredOption('--scale <s>', 'integer SR scale')
    .requiredOption('-o, --output <dir>', 'model folder to write')
    .option('--teacher <dir>', 'trained teacher model: distil its features into the student')
    .option('--alpha <a>', "weight of the teacher's feature terms", '0.1')
    .option('--steps <n>', 'training steps (default 1000 without --minutes)')
    .option(
      '--minutes <m>',
      'wall-clock budget: the LR schedule runs over it and training stops when it is spent',
    )
    .option(
      '--arch <arch>',
      'auto | any-band | lkca; auto: any-band (fine-tuning the shipped any-band model of the scale) unless --teacher or an LKCA-only option is given, or no any-band model of the scale ships',
      'auto',
    )
    .option(
      '--init <model>',
      "any-band: start from this model (shipped name or folder) or 'scratch' (default: the shipped lkca-any-band-x<scale>)",
    )
    .option('--upsampler <kind>', 'conv | group | svd', 'svd')
    .option('--channels <n>', 'feature width C', '64')
    .option('--blocks <n>', 'LKB blocks', '4')
    .option('--rank <r>', "rank of the 'svd' upsampler", '16')
    .option('--batch <n>', 'batch size (default: chosen with the patch)')
    .option(
      '--patch <n>',
      'HR patch side, a multiple of the scale (default: the largest that fits)',
    )
    .option(
      '--lr <rate>',
      'peak learning rate, cosine schedule (default 1e-3; 1e-4 when fine-tuning an any-band model)',
    )
    .option(
      '--hold-out-cols <n>',
      'keep the last n columns of the first scene out of training, for validation (any-band: default auto, a fifth of them when the scene is wide enough, the best weights kept; 0: none)',
    )
    .option('--checkpoint-dir <dir>', 'write checkpoints here (resume with --resume)')
    .option('--checkpoint-every <steps>', 'steps between checkpoints', '100')
    .option(
      '--resume',
      'continue from the newest checkpoint in --checkpoint-dir (exactly: weights, optimizer, data order)',
    )
    .option('--seed <n>', 'seed of everything: weight init, patch order, augmentation', '0')
    .option(
      '--sam <w>',
      'weight of the spectral-angle loss term next to L1 (default 4 any-band, 1 lkca; 0: off)',
    )
    .option(
      '--spectral-gradient <w>',
      'weight of the band-to-band difference L1 term (default 1; 0: off)',
    );
  jsonOption(cubeSelectionOptions(winogradOption(backendOption(cmd)))).action(
    async (o: TrainFlags) => {
      const ctx = makeContext(o, { training: true });
      const checkpointEvery = parseNumber('checkpoint-every', o.checkpointEvery, {
        int: true,
        min: 1,
      })!;
      if (o.resume) {
        // Resuming from nothing would silently start again at step 1: refused.
        if (!o.checkpointDir) throw new CliUsageError('--resume needs --checkpoint-dir <dir>');
        const found = await listCheckpoints(o.checkpointDir).catch(() => []);
        if (found.length === 0 && !existsSync(join(o.checkpointDir, 'last', 'state.json')))
          throw new CliUsageError(
            `--resume: no checkpoint in ${o.checkpointDir} (nothing to resume; drop --resume to start)`,
          );
      }
      const scale = parseNumber('scale', o.scale, { int: true, min: 2 })!;
      const minutes = parseNumber('minutes', o.minutes, { min: 0.01 });
      const steps =
        parseNumber('steps', o.steps, { int: true, min: 1 }) ??
        (minutes === undefined ? 1000 : undefined);
      const arch = resolveArch(o, cmd, scale);
      await ctx.runtime();
      // Which kernels train (the trainer registers the same ones again, at no cost).
      const kernels = o.winograd === false ? 'tfjs' : 'fastest';
      const kernelLine = (await prepareTrainingKernels({ kernels })).kernels;
      ctx.out.info(`training kernels: ${kernelLine}`);
      const budget = `${steps !== undefined ? `${steps} steps` : ''}${steps !== undefined && minutes !== undefined ? ' or ' : ''}${minutes !== undefined ? `${minutes} min` : ''}`;
      const common = {
        scale,
        steps,
        minutes,
        read: parseCubeSelection(o),
        holdOutCols:
          o.holdOutCols === 'auto'
            ? undefined
            : parseNumber('hold-out-cols', o.holdOutCols, { int: true, min: 0 }),
        batchSize: parseNumber('batch', o.batch, { int: true, min: 1 }),
        patchSize: parseNumber('patch', o.patch, { int: true, min: scale }),
        seed: parseNumber('seed', o.seed, { int: true }),
        signal: ctx.signal,
      };
      if (arch.kind === 'any-band') {
        await checkModelOutputDir(o.output, [...o.data, ...(arch.initPath ? [arch.initPath] : [])]);
        ctx.out.info(`model: ${arch.why}`);
        // Fine-tuning takes small steps; a new upsampler (another scale) or none learns at 1e-3.
        const fineTune = !!arch.initPath && !arch.rescale;
        const lr = parseNumber('lr', o.lr, { min: 0 }) ?? (fineTune ? 1e-4 : 1e-3);
        const bar = ctx.out.progress(
          minutes !== undefined ? 'budget %' : 'steps',
          minutes !== undefined ? 100 : steps!,
        );
        const res = await trainAnyBandOnFiles({
          ...common,
          holdOutCols: o.holdOutCols === undefined ? 'auto' : common.holdOutCols,
          dataFiles: o.data,
          initPath: arch.initPath,
          lr,
          lrMin: lr / 100,
          warmup: fineTune ? 50 : 100,
          onInit: (e) =>
            ctx.out.info(
              `init: ${e.copied} of ${e.total} core weights from the x${e.fromScale} model (the upsampler starts fresh)`,
            ),
          loss: {
            sam: parseNumber('sam', o.sam, { min: 0 }) ?? 4,
            spectralGradient: parseNumber('spectral-gradient', o.spectralGradient, { min: 0 }) ?? 1,
          },
          checkpointDir: o.checkpointDir,
          resume: !!o.resume,
          onChoice: (c) =>
            ctx.out.info(
              `patch ${c.patch * scale} x ${c.patch * scale} HR (${c.reason}), batch ${c.batch}; training on ${c.scenes.join(', ')}; ${c.validation.length ? `validating on ${c.validation.join(', ')} (the best weights kept, the starting ones included)` : 'no validation strip (the last weights are kept)'}; budget ${budget}`,
            ),
          onProgress: (e) => {
            if (e.validation) {
              const v = e.validation.scenes[0];
              ctx.out.info(
                `validation at step ${e.step}: ${v.mpsnr.toFixed(2)} dB (bicubic ${v.bicubicMpsnr.toFixed(2)}), SAM ${v.sam.toFixed(3)} (bicubic ${v.bicubicSam.toFixed(3)})${e.best ? ', best so far' : ''}`,
              );
              return;
            }
            bar.update(
              minutes !== undefined ? Math.min(100, Math.round(100 * e.fraction)) : e.step,
              `step ${e.step} loss ${e.loss.toFixed(4)} ${e.stepsPerSecond.toFixed(2)} it/s`,
            );
          },
        }).finally(() => bar.stop());
        const best = res.best?.scenes[0];
        try {
          await saveAnyBandModel(res.model, o.output, {
            name: o.output,
            training: {
              data: o.data.join(', '),
              from: arch.initName,
              steps: res.state.step,
              bestStep: res.best?.step ?? null,
              minutes: +(res.state.seconds / 60).toFixed(2),
              seed: common.seed,
              patch: res.choice.patch * scale,
              batch: res.choice.batch,
              lr,
              holdOutCols: res.holdOutCols,
              validation: best
                ? {
                    mpsnr: best.mpsnr,
                    sam: best.sam,
                    bicubicMpsnr: best.bicubicMpsnr,
                    bicubicSam: best.bicubicSam,
                  }
                : null,
            },
          });
          const value = {
            output: o.output,
            arch: 'any-band',
            model: arch.why,
            init: arch.initName,
            steps: res.state.step,
            minutes: +(res.state.seconds / 60).toFixed(2),
            aborted: res.aborted,
            params: res.model.core.countParams(),
            patch: res.choice.patch * scale,
            batch: res.choice.batch,
            patchReason: res.choice.reason,
            holdOutCols: res.holdOutCols,
            bestStep: res.best?.step ?? null,
            validation: best ?? null,
            kernels: kernelLine,
          };
          ctx.out.result(
            value,
            `saved ${o.output} (any-band${arch.initName ? `, fine-tuned from ${arch.initName}` : ''}) after ${value.steps} steps, ${value.minutes} min${res.aborted ? ' (aborted; resume with --resume)' : ''}; params ${formatNumber(value.params)}${
              best
                ? `; kept the weights of step ${res.best?.step}${res.best?.step === 0 ? ' (the starting model: training did not beat it on the held-out strip)' : ''}: held-out ${best.mpsnr.toFixed(2)} dB (bicubic ${best.bicubicMpsnr.toFixed(2)}), SAM ${best.sam.toFixed(3)} (bicubic ${best.bicubicSam.toFixed(3)})`
                : ''
            }`,
          );
          if (res.aborted)
            throw new Error(
              `interrupted: stopped after step ${value.steps} of ${minutes === undefined ? steps : budget}; the model is saved in ${o.output}`,
            );
        } finally {
          res.model.dispose();
        }
        return;
      }
      ctx.out.info(`model: ${arch.why}`);
      const upsampler = parseChoice<UpsamplerKind>('upsampler', o.upsampler, [
        'conv',
        'group',
        'svd',
      ]);
      const bar = ctx.out.progress(
        minutes !== undefined && steps === undefined ? 'budget %' : 'steps',
        minutes !== undefined && steps === undefined ? 100 : steps!,
      );
      let choice: { patchSize: number; batchSize: number; reason: string } | undefined;
      const res = await trainOnSceneFiles({
        ...common,
        dataFiles: o.data,
        teacherPath: o.teacher,
        model: {
          upsampler,
          channels: parseNumber('channels', o.channels, { int: true, min: 1 }),
          blocks: parseNumber('blocks', o.blocks, { int: true, min: 1 }),
          upsamplerRank: parseNumber('rank', o.rank, { int: true, min: 1 }),
        },
        alpha: parseNumber('alpha', o.alpha, { min: 0 }),
        lr: parseNumber('lr', o.lr, { min: 0 }) ?? 1e-3,
        spectralLoss: {
          sam: parseNumber('sam', o.sam, { min: 0 }) ?? 1,
          spectralGradient: parseNumber('spectral-gradient', o.spectralGradient, { min: 0 }) ?? 1,
        },
        checkpointDir: o.checkpointDir,
        checkpointEvery,
        resume: !!o.resume,
        kernels,
        onChoice: (c) => {
          choice = c;
          ctx.out.info(
            `patch ${c.patchSize} x ${c.patchSize} HR (${c.reason}), batch ${c.batchSize}; budget ${budget}`,
          );
        },
        onProgress: (e) => {
          bar.update(
            minutes !== undefined && steps === undefined
              ? Math.min(100, Math.round(100 * (e.budgetFraction ?? 0)))
              : e.step,
            `loss ${e.losses.total.toFixed(4)} ${e.stepsPerSecond.toFixed(2)} it/s${e.validation ? ` val ${e.validation.metrics.mpsnr.toFixed(2)} dB` : ''}`,
          );
        },
      }).finally(() => bar.stop());
      await saveModel(res.model, o.output);
      const validation = res.finalValidation;
      const aborted = res.result.aborted;
      const value = {
        output: o.output,
        arch: 'lkca',
        model: arch.why,
        patch: choice?.patchSize,
        batch: choice?.batchSize,
        patchReason: choice?.reason,
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
          `interrupted: stopped after step ${value.steps} of ${minutes === undefined ? steps : budget}; the model is saved in ${o.output}`,
        );
    },
  );
}

/** LKCA-only options: giving one means the band-specific LKCA-Net. */
const LKCA_ONLY = ['teacher', 'upsampler', 'channels', 'blocks', 'rank', 'alpha'] as const;

type Arch =
  | {
      kind: 'any-band';
      initPath?: string;
      initName?: string;
      /** The init model has another scale: a new upsampler (src/any-band/rescale-init.ts). */
      rescale?: boolean;
      why: string;
    }
  | { kind: 'lkca'; why: string };

/** Which model `lkca train` trains, and why (printed): see the --arch help. */
function resolveArch(o: TrainFlags, cmd: Command, scale: number): Arch {
  const arch = parseChoice('arch', o.arch, ['auto', 'any-band', 'lkca']);
  const lkcaGiven = LKCA_ONLY.filter((k) => cmd.getOptionValueSource(k) === 'cli');
  if (arch === 'lkca' || (arch === 'auto' && lkcaGiven.length > 0)) {
    if (o.init) throw new CliUsageError('--init is for --arch any-band');
    return {
      kind: 'lkca',
      why: `LKCA-Net (band-specific, the paper's)${arch === 'auto' ? ` because --${lkcaGiven[0]} was given` : ''}`,
    };
  }
  if (lkcaGiven.length > 0)
    throw new CliUsageError(`--${lkcaGiven[0]} is for --arch lkca, not any-band`);
  const shippedName = `lkca-any-band-x${scale}`;
  const shipped = existsSync(join(SHIPPED_MODELS_DIR, shippedName, 'model.json'));
  if (o.init === 'scratch')
    return { kind: 'any-band', why: 'any-band, from scratch (--init scratch)' };
  if (o.init) {
    const m = resolveModel(o.init);
    if (m.kind !== 'any-band') throw new CliUsageError(`--init ${o.init} is not an any-band model`);
    return {
      kind: 'any-band',
      initPath: m.path,
      initName: m.name,
      rescale: m.scale !== scale,
      why:
        m.scale !== scale
          ? `any-band x${scale}, started from ${m.name} (x${m.scale}: every core weight but the upsampler's)`
          : `any-band, fine-tuning ${m.name}`,
    };
  }
  if (shipped)
    return {
      kind: 'any-band',
      initPath: join(SHIPPED_MODELS_DIR, shippedName),
      initName: shippedName,
      why: `any-band, fine-tuning the shipped ${shippedName} (any band count; --arch lkca trains the paper's band-specific LKCA-Net instead)`,
    };
  // No shipped model at this scale (x3, x8): the x4 model's core, all but its upsampler, is the start
  // (how the shipped x2 model began: src/any-band/rescale-init.ts).
  const donor = 'lkca-any-band-x4';
  if (existsSync(join(SHIPPED_MODELS_DIR, donor, 'model.json')))
    return {
      kind: 'any-band',
      initPath: join(SHIPPED_MODELS_DIR, donor),
      initName: donor,
      rescale: true,
      why: `any-band x${scale}, started from the shipped ${donor} (every core weight but the upsampler's; no shipped x${scale} model)`,
    };
  if (arch === 'any-band')
    return { kind: 'any-band', why: `any-band, from scratch (no shipped ${shippedName})` };
  return {
    kind: 'lkca',
    why: `LKCA-Net (band-specific), no shipped any-band model for x${scale} to fine-tune`,
  };
}
