import { benchInference, loadModel } from '@hsrkit/inference/node';
import type { Command } from 'commander';
import { lkcaNet, type UpsamplerKind } from '../../model.js';
import { modelCost } from '../../model-cost.js';
import {
  type CommonOptions,
  makeContext,
  parseChoice,
  parseNumber,
  parseSize,
  parseTiledRun,
} from '../context.js';
import { jsonOption, tiledRunOptions } from '../options.js';
import { table } from '../output.js';

interface BenchFlags extends CommonOptions {
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
}

export function benchCommand(program: Command): void {
  const cmd = program
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
    .option('--repeats <n>', 'timed runs', '10');
  jsonOption(tiledRunOptions(cmd)).action(async (o: BenchFlags) => {
    const ctx = makeContext(o);
    const upsampler = parseChoice<UpsamplerKind>('upsampler', o.upsampler, [
      'conv',
      'group',
      'svd',
    ]);
    const size = parseSize('size', o.size);
    const info = await ctx.runtime();
    // Workers load a generated LKCA-Net from a temporary folder that benchInference writes.
    const model = o.model
      ? await loadModel(o.model)
      : lkcaNet({
          bands: parseNumber('bands', o.bands, { int: true, min: 1 })!,
          scale: parseNumber('scale', o.scale, { int: true, min: 2 })!,
          blocks: parseNumber('blocks', o.blocks, { int: true, min: 1 })!,
          upsampler,
        });
    const progress = ctx.out.tracker('runs');
    const { fastKernels, ...tiling } = parseTiledRun(o, info.backend);
    const r = await benchInference({
      model,
      modelPath: o.model,
      cost: modelCost,
      runtime: info.requested,
      winogradConv: fastKernels,
      fusedTail: fastKernels,
      size,
      ...tiling,
      repeats: parseNumber('repeats', o.repeats, { int: true, min: 1 }),
      signal: ctx.signal,
      onProgress: progress.onProgress,
    }).finally(progress.stop);
    model.dispose();
    const macs = r.macs ?? 0;
    const gmacPerS = r.gmacPerSecond ?? 0;
    ctx.out.result(
      {
        backend: info.backend,
        device: info.device,
        rows: r.rows,
        cols: r.cols,
        bands: r.bands,
        scale: r.scale,
        params: r.params,
        macs,
        gmac: macs / 1e9,
        workers: r.workers,
        devices: r.devices,
        tiles: r.tiles,
        tile: r.tileSize,
        ms_median: r.ms_median,
        ms_min: r.ms_min,
        gmac_per_s: gmacPerS,
        repeats: r.ms.length,
      },
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
          macs / 1e9,
          `${r.workers} x ${r.tiles} (${r.tileSize.join('x')})`,
          r.ms_median,
          r.ms_min,
          gmacPerS,
        ],
      ]),
    );
  });
}
