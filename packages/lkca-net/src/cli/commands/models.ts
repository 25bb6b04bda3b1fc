import type { Command } from 'commander';
import { listShippedModels } from '../../shipped-models.js';
import { type CommonOptions, makeContext } from '../context.js';
import { jsonOption } from '../options.js';
import { formatNumber, table } from '../output.js';

export function modelsCommand(program: Command): void {
  const cmd = program
    .command('models')
    .description(
      'the models shipped with @hsrkit/lkca-net: name, scale, bands, params, training data, held-out scores (use the name as --model)',
    );
  jsonOption(cmd).action(async (o: CommonOptions) => {
    const { out } = makeContext(o);
    const models = listShippedModels();
    const score = (h: Record<string, number> | null, k: string) =>
      h && typeof h[k] === 'number' ? formatNumber(h[k]) : '-';
    out.result(
      models.map(({ path: _path, ...m }) => m),
      table([
        ['name', 'scale', 'bands', 'params', 'MPSNR', 'SAM', 'trained on'],
        ...models.map((m) => [
          m.name,
          `x${m.scale}`,
          String(m.bands),
          m.params,
          score(m.heldOut, 'mpsnr'),
          score(m.heldOut, 'sam'),
          m.trainedOn,
        ]),
      ]),
    );
  });
}
