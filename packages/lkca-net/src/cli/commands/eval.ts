import { checkOutputPaths, readCube } from '@hsrkit/hsi-data/node';
import { loadModel, savedModelFiles } from '@hsrkit/inference/node';
import { loadAnyBandModel } from '../../any-band/io-node.js';
import { ModelKindError, resolveModel, type ShippedModel } from '../../shipped-models.js';
import { AnyBandChain } from '../../any-band/any-band-chain.js';
import type { Command } from 'commander';
import { evaluateScene } from '../../evaluate.js';
import { type CommonOptions, makeContext, parseChoice, parseNumber } from '../context.js';
import { metricTable, metricValues } from '../metric-table.js';
import { samMapText, writeSamMap } from '../sam-map.js';
import { backendOption, jsonOption, winogradOption } from '../options.js';

export function evalCommand(program: Command): void {
  const cmd = program
    .command('eval')
    .description(
      'score a model on a scene: LR by MATLAB bicubic x1/s, model and bicubic vs the ground truth',
    )
    .requiredOption(
      '--model <dir>',
      'model folder or model.json, or a shipped model by name (`lkca models`); any-band models too',
    )
    .requiredOption('--data <file>', 'ground-truth (HR) cube')
    .option('--scale <s>', 'check that the model upscales by this factor')
    .option('--preset <name>', 'sspsr | mcnet', 'sspsr')
    .option(
      '--self-ensemble',
      'score the mean of the model over the 8 rotations and flips of the input (8x the time)',
    )
    .option(
      '--sam-map <png>',
      "write each pixel's spectral angle to the ground truth, bicubic (left) and the model (right), black 0 deg, white at bicubic's 99th percentile",
    );
  jsonOption(winogradOption(backendOption(cmd))).action(
    async (
      o: CommonOptions & {
        model: string;
        data: string;
        scale?: string;
        preset: string;
        selfEnsemble?: boolean;
        samMap?: string;
      },
    ) => {
      const ctx = makeContext(o);
      const preset = parseChoice('preset', o.preset, ['sspsr', 'mcnet'] as const);
      const found = resolveModel(o.model);
      // Before any work: the picture never replaces the data or the model's files.
      if (o.samMap)
        await checkOutputPaths(o.samMap, [
          o.data,
          ...(found.kind === 'cascade' ? [] : await savedModelFiles(found.path).catch(() => [])),
        ]);
      await ctx.runtime();
      const model =
        found.kind === 'cascade'
          ? await loadChain(found)
          : found.kind === 'any-band'
            ? await loadAnyBandModel(found.path)
            : await loadModel(found.path);
      const hr = await readCube(o.data, { nonFinite: { fill: 0 } });
      const progress = ctx.out.tracker('tiles');
      const ev = await evaluateScene(model, hr, {
        scale: parseNumber('scale', o.scale, { int: true, min: 2 }),
        preset,
        selfEnsemble: !!o.selfEnsemble,
        signal: ctx.signal,
        onProgress: progress.onProgress,
      }).finally(progress.stop);
      model.dispose();
      const samMap = o.samMap
        ? await writeSamMap(o.samMap, ev.gt, [ev.bicubic, ev.sr], preset)
        : undefined;
      ctx.out.result(
        {
          ...metricValues(ev.metrics),
          bicubic: metricValues(ev.bicubicMetrics),
          scale: ev.scale,
          rows: ev.gt.rows,
          cols: ev.gt.cols,
          bands: ev.gt.bands,
          ms: ev.modelMs,
          selfEnsemble: !!o.selfEnsemble,
          ...(samMap ? { samMap } : {}),
        },
        metricTable([
          [o.selfEnsemble ? 'model, self-ensemble x8' : 'model', ev.metrics],
          ['bicubic', ev.bicubicMetrics],
        ]) + (samMap ? `\n${samMapText(samMap, ['bicubic', 'the model'])}` : ''),
      );
    },
  );
}

/** A cascade of any-band models, loaded as one chain (e.g. lkca-any-band-x8: x4 then x2). */
async function loadChain(cascade: ShippedModel): Promise<AnyBandChain> {
  const stages = cascade.stages ?? [];
  if (!stages.every((s) => s.kind === 'any-band'))
    throw new ModelKindError(
      `${cascade.name}: lkca eval runs cascades of any-band models (run the others with lkca upscale, then lkca metrics)`,
    );
  const loaded = [];
  for (const s of stages) loaded.push(await loadAnyBandModel(s.path));
  return new AnyBandChain(loaded);
}
