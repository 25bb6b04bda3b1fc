import type { Command } from 'commander';
import { analyzeSavedModel } from '../../analyze-saved-model.js';
import { type CommonOptions, makeContext, parseSize } from '../context.js';
import { backendOption, jsonOption } from '../options.js';
import { formatNumber, table } from '../output.js';

export function analyzeCommand(program: Command): void {
  const cmd = program
    .command('analyze')
    .description(
      'singular values of every conv/dense layer of ANY TF.js model, upsampling layers marked',
    )
    .argument('<model>', 'model folder or model.json')
    .option('--layer <name>', 'only this layer')
    .option('--size <h,w>', 'LR input size for MACs', '64,64')
    .option('--plot <svg>', 'write the singular-value plot of the upsamplers (or --layer) as SVG');
  jsonOption(backendOption(cmd)).action(
    async (path: string, o: CommonOptions & { layer?: string; size: string; plot?: string }) => {
      const ctx = makeContext(o);
      // A runtime before the first tensor: TF.js would otherwise fall back to its cpu backend.
      await ctx.runtime();
      const { analysis: a, layers } = await analyzeSavedModel(path, {
        size: parseSize('size', o.size),
        layer: o.layer,
        plotFile: o.plot,
      });
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
}
