import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import {
  analyzeModel,
  conversionReportMarkdown,
  findUpsamplers,
  type LayerPlan,
  lowRankConvert,
  plotSpectrumSvg,
} from '@hsrkit/lowrank';
import { applyNormalization, cropCube, readCube, toInterleave } from '@hsrkit/hsi-data/node';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { evaluateScene } from '../../evaluate.js';
import { benchInference } from '../../inference-bench.js';
import { loadModel, saveModel } from '../../io-node.js';
import { lkcaNet, type UpsamplerKind } from '../../model.js';
import { modelBands, readModelMetadata, withModelMetadata } from '../../model-metadata.js';
import { startTileRunner } from '../../tile-workers.js';
import { trainOnScenes } from '../../training.js';
import { upscaleFile } from '../../upscale-file.js';
import {
  CliUsageError,
  type CommonOptions,
  makeContext,
  parseList,
  parseNumber,
  parseWorkers,
} from '../context.js';
import { formatNumber, table } from '../output.js';

const workersOption = [
  '--workers <n>',
  "worker threads, each with its own backend ('auto': one per core on wasm/cpu, else 1)",
  'auto',
] as const;

const winogradOption = [
  '--no-winograd',
  "on wasm/cpu, keep TF.js's stock kernels: no Winograd/GEMM convs and no fused sub-pixel tail (ours give the same numbers to float32 rounding, ~2x faster)",
] as const;

const backendOption = [
  '--backend <name>',
  'node-gpu | node | webgpu | wasm | webgl | cpu | auto',
  'auto',
] as const;

function metricRow(name: string, m: Record<string, number>) {
  return [name, m.mpsnr, m.mssim, m.sam, m.ergas, m.cc, m.rmse];
}
const METRIC_HEADER = ['', 'MPSNR (dB)', 'MSSIM', 'SAM (deg)', 'ERGAS', 'CC', 'RMSE'];
const pickMetrics = (m: Record<string, number>) => ({
  mpsnr: m.mpsnr,
  mssim: m.mssim,
  sam: m.sam,
  ergas: m.ergas,
  cc: m.cc,
  rmse: m.rmse,
});

export function modelCommands(program: Command): void {
  program
    .command('upscale')
    .description(
      'super-resolve a cube of any size with any TF.js SR model, tile by tile, in the input units',
    )
    .argument('<file>', 'LR cube file')
    .requiredOption('--model <dir>', 'model folder or model.json')
    .requiredOption(
      '-o, --output <file>',
      'output cube (format by extension; ENVI keeps memory bounded)',
    )
    .option(...backendOption)
    .option(...winogradOption)
    .option('--tile <n>', 'LR tile edge (default: the largest whose HR tile fits 128 MiB)')
    .option('--overlap <n>', 'LR samples shared by neighbouring tiles', '16')
    .option(...workersOption)
    .option('--scale <s>', 'check that the model upscales by this factor')
    .option('--json', 'machine-readable output')
    .action(
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
        const model = await loadModel(o.model);
        const workers = parseWorkers(o.workers, info.backend);
        const pool = await startTileRunner(model, {
          modelPath: o.model,
          runtime: info.requested,
          workers,
          winogradConv: o.winograd !== false,
          fusedTail: o.winograd !== false,
        });
        if (pool.devices.length) ctx.out.info(`workers: ${pool.devices.join('; ')}`);
        let bar: ReturnType<typeof ctx.out.progress> | undefined;
        const t0 = performance.now();
        try {
          const res = await upscaleFile(file, o.output, {
            model,
            runner: pool.runner,
            scale: parseNumber('scale', o.scale, { int: true, min: 2 }),
            tile:
              o.tile === undefined ? undefined : parseNumber('tile', o.tile, { int: true, min: 4 }),
            overlap: parseNumber('overlap', o.overlap, { int: true, min: 0 }),
            concurrency: workers,
            signal: ctx.signal,
            onProgress: (d, t) => {
              bar ??= ctx.out.progress('tiles', t);
              bar.update(d);
            },
          });
          bar?.stop();
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
        } finally {
          await pool.close();
        }
      },
    );

  program
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
    .option('--resume', 'continue from the newest checkpoint in --checkpoint-dir')
    .option('--seed <n>', 'seed', '0')
    .option(...backendOption)
    .option('--json', 'machine-readable output')
    .action(async (o: CommonOptions & Record<string, string | string[] | boolean | undefined>) => {
      const ctx = makeContext(o, { training: true });
      const info = await ctx.runtime();
      if (info.backend === 'wasm') registerWasmTrainingKernels();
      const scale = parseNumber('scale', o.scale as string, { int: true, min: 2 })!;
      const scenes = [];
      for (const f of o.data as string[])
        scenes.push(await readCube(f, { nonFinite: { fill: 0 } }));
      const upsampler = o.upsampler as UpsamplerKind;
      if (!['conv', 'group', 'svd'].includes(upsampler))
        throw new CliUsageError(`--upsampler must be conv, group or svd, got '${upsampler}'`);
      const teacher = o.teacher ? await loadModel(o.teacher as string) : undefined;
      const holdCols = parseNumber('hold-out-cols', o.holdOutCols as string | undefined, {
        int: true,
        min: 1,
      });
      const steps = parseNumber('steps', o.steps as string, { int: true, min: 1 })!;
      const bar = ctx.out.progress('train', steps);
      const res = await trainOnScenes({
        scenes,
        scale,
        student: lkcaNet({
          bands: scenes[0].bands,
          scale,
          upsampler,
          channels: parseNumber('channels', o.channels as string, { int: true, min: 1 }),
          blocks: parseNumber('blocks', o.blocks as string, { int: true, min: 1 }),
          upsamplerRank: parseNumber('rank', o.rank as string, { int: true, min: 1 }),
        }),
        teacher,
        alpha: parseNumber('alpha', o.alpha as string, { min: 0 }),
        steps,
        batchSize: parseNumber('batch', o.batch as string, { int: true, min: 1 }),
        patchSize: parseNumber('patch', o.patch as string | undefined, { int: true, min: scale }),
        lr: parseNumber('lr', o.lr as string, { min: 0 }),
        seed: parseNumber('seed', o.seed as string, { int: true }),
        holdOut: holdCols
          ? { row: 0, col: scenes[0].cols - holdCols, rows: scenes[0].rows, cols: holdCols }
          : undefined,
        checkpointDir: o.checkpointDir as string | undefined,
        resume: !!o.resume,
        signal: ctx.signal,
        onProgress: (e) => {
          bar.update(
            e.step,
            `loss ${e.losses.total.toFixed(4)} ${e.stepsPerSecond.toFixed(2)} it/s${e.validation ? ` val ${e.validation.metrics.mpsnr.toFixed(2)} dB` : ''}`,
          );
        },
      });
      bar.stop();
      await saveModel(res.model, o.output as string);
      const value = {
        output: o.output,
        steps: res.result.step,
        aborted: res.result.aborted,
        params: res.model.countParams(),
        validation: res.finalValidation ?? null,
      };
      ctx.out.result(
        value,
        `saved ${o.output} after ${res.result.step} steps${res.result.aborted ? ' (aborted; resume with --resume)' : ''}; params ${formatNumber(value.params)}${
          res.finalValidation ? `; held-out MPSNR ${res.finalValidation.mpsnr.toFixed(2)} dB` : ''
        }`,
      );
      res.result.dispose();
    });

  program
    .command('analyze')
    .description(
      'singular values of every conv/dense layer of ANY TF.js model, upsampling layers marked',
    )
    .argument('<model>', 'model folder or model.json')
    .option('--layer <name>', 'only this layer')
    .option('--size <h,w>', 'LR input size for MACs', '64,64')
    .option('--plot <svg>', 'write the singular-value plot of the upsamplers (or --layer) as SVG')
    .option('--json', 'machine-readable output')
    .action(
      async (path: string, o: CommonOptions & { layer?: string; size: string; plot?: string }) => {
        const ctx = makeContext(o);
        const model = await loadModel(path);
        const [h, w] = o.size.split(',').map(Number);
        const a = await analyzeModel(model, {
          inputShape: [h, w, modelBands(model)],
          spectra: 'all',
        });
        const layers = o.layer ? a.layers.filter((l) => l.layer === o.layer) : a.layers;
        if (o.layer && !layers.length)
          throw new CliUsageError(
            `no layer '${o.layer}' with weights; layers: ${a.layers.map((l) => l.layer).join(', ')}`,
          );
        if (o.plot) {
          const chosen = layers
            .filter((l) => l.analysis && (o.layer || l.isUpsampler))
            .map((l) => l.analysis!);
          await fs.writeFile(
            o.plot,
            plotSpectrumSvg(
              chosen.length
                ? chosen
                : layers
                    .filter((l) => l.analysis)
                    .slice(0, 3)
                    .map((l) => l.analysis!),
            ),
          );
        }
        const rows = layers.map((l) => [
          `${l.layer}${l.isUpsampler ? ' (upsampler)' : ''}`,
          l.className,
          l.params,
          `${(l.share * 100).toFixed(1)}%`,
          l.analysis ? `${l.analysis.fullRank}` : '-',
          l.analysis ? l.analysis.ranks.map((r) => r.rank).join('/') : '-',
          l.analysis ? String(l.analysis.knee) : '-',
        ]);
        ctx.out.result(
          {
            model: path,
            params: a.totalParams,
            macs: a.totalMacs,
            upsamplerShare: a.upsamplerShare,
            upsamplers: a.upsamplers,
            layers: layers.map((l) => ({
              layer: l.layer,
              className: l.className,
              params: l.params,
              share: l.share,
              macs: l.macs,
              upsampler: l.isUpsampler,
              fullRank: l.analysis?.fullRank ?? null,
              ranks: l.analysis?.ranks ?? null,
              knee: l.analysis?.knee ?? null,
              singularValues: l.analysis ? Array.from(l.analysis.singularValues) : null,
            })),
            plot: o.plot ?? null,
          },
          `${table([['layer', 'class', 'params', 'share', 'full rank', 'rank @ 0.9/0.95/0.99 energy', 'knee'], ...rows])}\n` +
            `upsamplers hold ${(a.upsamplerShare * 100).toFixed(1)}% of ${formatNumber(a.totalParams)} params${o.plot ? `; plot: ${o.plot}` : ''}`,
        );
      },
    );

  program
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
    .requiredOption('-o, --output <dir>', 'model folder to write')
    .option('--json', 'machine-readable output')
    .action(
      async (
        path: string,
        o: CommonOptions & {
          method: string;
          rank?: string;
          energy?: string;
          groups?: string;
          layer?: string[];
          calibration?: string;
          output: string;
        },
      ) => {
        const ctx = makeContext(o);
        const model = await loadModel(path);
        if (o.method !== 'svd' && o.method !== 'group')
          throw new CliUsageError(`--method must be svd or group, got '${o.method}'`);
        const rank = parseNumber('rank', o.rank, { int: true, min: 1 });
        const energy = parseNumber('energy', o.energy, { min: 0 });
        const groups = parseNumber('groups', o.groups, { int: true, min: 1 });
        if (o.method === 'svd' && rank === undefined && energy === undefined)
          throw new CliUsageError('--method svd needs --rank or --energy');
        if (o.method === 'group' && groups === undefined)
          throw new CliUsageError('--method group needs --groups');
        const names = o.layer ?? findUpsamplers(model).map((u) => u.layer);
        if (!names.length)
          throw new CliUsageError('no upsampling layer found: name the layers with --layer');
        const plan: LayerPlan[] = names.map((layer) => ({
          layer,
          method: o.method as 'svd' | 'group',
          rank,
          energy,
          groups,
        }));
        let calibration: tf.Tensor | undefined;
        if (o.calibration) {
          const cube = await readCube(o.calibration, { nonFinite: { fill: 0 } });
          const size = Math.min(48, cube.rows, cube.cols);
          let crop = toInterleave(
            cropCube(o.calibration, cube, {
              row: Math.floor((cube.rows - size) / 2),
              col: Math.floor((cube.cols - size) / 2),
              rows: size,
              cols: size,
            }),
            'bip',
          );
          const record = readModelMetadata(model).normalization;
          if (record) crop = applyNormalization(crop, record);
          calibration = tf.tensor4d(Float32Array.from(crop.data), [1, size, size, cube.bands]);
        }
        const { model: converted, report } = await lowRankConvert(
          model,
          { layers: plan },
          { calibration, inputShape: [64, 64, modelBands(model)] },
        );
        calibration?.dispose();
        withModelMetadata(converted, readModelMetadata(model));
        await saveModel(converted, o.output);
        const before = await dirSize(path);
        const after = await dirSize(o.output);
        ctx.out.result(
          {
            ...report,
            output: o.output,
            outputError: report.output,
            bytesBefore: before,
            bytesAfter: after,
          },
          `${conversionReportMarkdown(report)}\nsaved ${o.output}: ${formatNumber(after)} bytes of weights (was ${formatNumber(before)})`,
        );
      },
    );

  program
    .command('eval')
    .description(
      'score a model on a scene: LR by MATLAB bicubic x1/s, model and bicubic vs the ground truth',
    )
    .requiredOption('--model <dir>', 'model folder or model.json')
    .requiredOption('--data <file>', 'ground-truth (HR) cube')
    .option('--scale <s>', 'check that the model upscales by this factor')
    .option('--preset <name>', 'sspsr | mcnet', 'sspsr')
    .option(...backendOption)
    .option(...winogradOption)
    .option('--json', 'machine-readable output')
    .action(
      async (
        o: CommonOptions & { model: string; data: string; scale?: string; preset: string },
      ) => {
        const ctx = makeContext(o);
        await ctx.runtime();
        const model = await loadModel(o.model);
        const hr = await readCube(o.data, { nonFinite: { fill: 0 } });
        let bar: ReturnType<typeof ctx.out.progress> | undefined;
        const ev = await evaluateScene(model, hr, {
          scale: parseNumber('scale', o.scale, { int: true, min: 2 }),
          preset: o.preset as 'sspsr' | 'mcnet',
          signal: ctx.signal,
          onProgress: (d, t) => {
            bar ??= ctx.out.progress('tiles', t);
            bar.update(d);
          },
        });
        bar?.stop();
        ctx.out.result(
          {
            ...pickMetrics(ev.metrics as never),
            bicubic: pickMetrics(ev.bicubicMetrics as never),
            scale: ev.scale,
            rows: ev.gt.rows,
            cols: ev.gt.cols,
            bands: ev.gt.bands,
            ms: ev.modelMs,
          },
          table([
            METRIC_HEADER,
            metricRow('model', ev.metrics as never),
            metricRow('bicubic', ev.bicubicMetrics as never),
          ]),
        );
      },
    );

  program
    .command('bench')
    .description(
      'time a forward the way upscale runs it (tiles, worker threads): params, GMAC, ms, GMAC/s',
    )
    .option('--model <dir>', 'model folder or model.json')
    .option('--bands <B>', 'LKCA-Net bands (without --model)', '128')
    .option('--scale <s>', 'LKCA-Net scale (without --model)', '4')
    .option('--upsampler <kind>', 'LKCA-Net upsampler (without --model)', 'conv')
    .option('--blocks <n>', 'LKCA-Net LKB blocks (without --model)', '4')
    .option('--size <n>', 'LR input side, or rows,cols', '64')
    .option('--repeats <n>', 'timed runs', '10')
    .option(...workersOption)
    .option('--tile <n>', 'LR tile edge (default: the largest whose HR tile fits 128 MiB)')
    .option('--overlap <n>', 'LR samples shared by neighbouring tiles', '16')
    .option(...backendOption)
    .option(...winogradOption)
    .option('--json', 'machine-readable output')
    .action(
      async (
        o: CommonOptions & {
          model?: string;
          bands: string;
          scale: string;
          upsampler: string;
          blocks: string;
          size: string;
          repeats: string;
          workers: string;
          tile?: string;
          overlap: string;
        },
      ) => {
        const ctx = makeContext(o);
        const info = await ctx.runtime();
        const upsampler = o.upsampler as UpsamplerKind;
        if (!['conv', 'group', 'svd'].includes(upsampler))
          throw new CliUsageError(`--upsampler must be conv, group or svd, got '${o.upsampler}'`);
        const model = o.model
          ? await loadModel(o.model)
          : lkcaNet({
              bands: parseNumber('bands', o.bands, { int: true, min: 1 })!,
              scale: parseNumber('scale', o.scale, { int: true, min: 2 })!,
              blocks: parseNumber('blocks', o.blocks, { int: true, min: 1 })!,
              upsampler,
            });
        const size = parseList('size', o.size);
        if (!size || size.length > 2 || size.some((v) => !Number.isInteger(v) || v < 1))
          throw new CliUsageError(
            `--size expects n or rows,cols (positive integers), got '${o.size}'`,
          );
        const workers = parseWorkers(o.workers, info.backend);
        // Workers load the model from disk: a generated LKCA-Net is saved to a temporary folder.
        let tmp: string | undefined;
        if (workers > 1 && !o.model) {
          tmp = await fs.mkdtemp(join(tmpdir(), 'lkca-bench-'));
          await saveModel(model, tmp);
        }
        let bar: ReturnType<typeof ctx.out.progress> | undefined;
        try {
          const r = await benchInference({
            model,
            modelPath: o.model ?? tmp,
            runtime: info.requested,
            winogradConv: o.winograd !== false,
            fusedTail: o.winograd !== false,
            size: size.length === 1 ? size[0] : [size[0], size[1]],
            workers,
            tile:
              o.tile === undefined ? undefined : parseNumber('tile', o.tile, { int: true, min: 4 }),
            overlap: parseNumber('overlap', o.overlap, { int: true, min: 0 }),
            repeats: parseNumber('repeats', o.repeats, { int: true, min: 1 }),
            signal: ctx.signal,
            onProgress: (d, t) => {
              bar ??= ctx.out.progress('runs', t);
              bar.update(d);
            },
          });
          bar?.stop();
          const value = {
            backend: info.backend,
            device: info.device,
            rows: r.rows,
            cols: r.cols,
            bands: r.bands,
            scale: r.scale,
            params: r.params,
            macs: r.macs,
            gmac: r.macs / 1e9,
            workers: r.workers,
            devices: r.devices,
            tiles: r.tiles,
            tile: r.tileSize,
            ms_median: r.ms_median,
            ms_min: r.ms_min,
            gmac_per_s: r.gmacPerSecond,
            repeats: r.ms.length,
          };
          ctx.out.result(
            value,
            table([
              [
                'backend',
                'input',
                'params',
                'GMAC',
                'workers x tiles',
                'ms (median)',
                'ms (min)',
                'GMAC/s',
              ],
              [
                `${info.backend} (${info.device})`,
                `${r.rows}x${r.cols}x${r.bands}`,
                r.params,
                r.macs / 1e9,
                `${r.workers} x ${r.tiles} (${r.tileSize.join('x')})`,
                r.ms_median,
                r.ms_min,
                r.gmacPerSecond,
              ],
            ]),
          );
        } finally {
          if (tmp) await fs.rm(tmp, { recursive: true, force: true });
        }
      },
    );
}

async function dirSize(path: string): Promise<number> {
  const dir = path.endsWith('.json') ? path.slice(0, path.lastIndexOf('/') + 1) || '.' : path;
  let total = 0;
  for (const f of await fs.readdir(dir)) total += (await fs.stat(`${dir}/${f}`)).size;
  return total;
}
