import type { Command } from 'commander';
import { type HeldOutMean, listShippedModels } from '../../shipped-models.js';
import { type CommonOptions, makeContext } from '../context.js';
import { jsonOption } from '../options.js';
import { table } from '../output.js';

export function modelsCommand(program: Command): void {
  const cmd = program
    .command('models')
    .description(
      'the models shipped with @hsrkit/lkca-net: name, scale, bands, params, training data, held-out scores (use the name as --model)',
    );
  jsonOption(cmd).action(async (o: CommonOptions) => {
    const { out } = makeContext(o);
    const models = listShippedModels();
    const num = (x: number | undefined, digits = 3) => (x === undefined ? '-' : x.toFixed(digits));
    const gain = (m: HeldOutMean | null) =>
      m?.bicubicMpsnr === undefined
        ? '-'
        : `${m.mpsnr >= m.bicubicMpsnr ? '+' : ''}${(m.mpsnr - m.bicubicMpsnr).toFixed(2)} dB`;
    const rows = models.map((m) => {
      const h = m.heldOutMean;
      return [
        m.name,
        `x${m.scale}`,
        String(m.bands),
        m.params,
        num(h?.mpsnr),
        gain(h),
        num(h?.sam),
        num(h?.bicubicSam),
        h
          ? h.scenes.length
            ? `mean of ${h.scenes.length}: ${h.scenes.join(', ')}`
            : (h.on ?? 'one hold-out')
          : '-',
      ];
    });
    // The training data is long prose: one paragraph per model below the table, not a column.
    const trained = models.map((m) => `  ${m.name}: ${m.trainedOn}`).join('\n');
    out.result(
      // Without local paths; a cascade's stages by name.
      models.map(({ path: _path, stages, ...m }) =>
        stages ? { ...m, stages: stages.map((x) => x.name) } : m,
      ),
      `${table([
        [
          'name',
          'scale',
          'bands',
          'params',
          'MPSNR',
          'vs bicubic',
          'SAM',
          'bicubic SAM',
          'held out',
        ],
        ...rows,
      ])}\nheld out: scores on data the model never trained on (MPSNR in dB, SAM in degrees)\ntrained on:\n${trained}`,
    );
  });
}
