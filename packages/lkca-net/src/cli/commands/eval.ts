import {
  checkOutputPaths,
  composeGrid,
  readCube,
  scalarMapImage,
  spectralAngleMap,
  writePng,
} from '@hsrkit/hsi-data/node';
import { loadModel, savedModelFiles } from '@hsrkit/inference/node';
import { loadAnyBandModel } from '../../any-band/io-node.js';
import { ModelKindError, resolveModel, type ShippedModel } from '../../shipped-models.js';
import { AnyBandChain } from '../../any-band/any-band-chain.js';
import type { Cube } from '@hsrkit/hsi-data';
import type { Command } from 'commander';
import { evaluateScene } from '../../evaluate.js';
import { type CommonOptions, makeContext, parseChoice, parseNumber } from '../context.js';
import { metricTable, metricValues } from '../metric-table.js';
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
      const samMap = o.samMap ? await writeSamMap(o.samMap, ev, preset) : undefined;
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
        ]) +
          (samMap
            ? `\nspectral-angle map ${samMap.file}: bicubic left, model right, black 0 deg, white >= ${samMap.whiteDeg.toFixed(2)} deg; the model's angle is lower on ${(100 * samMap.modelLowerShare).toFixed(1)} % of the pixels`
            : ''),
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

/**
 * Bicubic's and the model's per-pixel spectral angles to the ground truth side by side, on one
 * scale (white at bicubic's 99th percentile), as a PNG: where the model bends spectra, and where
 * it mends them. Returns what the picture shows in numbers.
 */
async function writeSamMap(
  file: string,
  ev: { gt: Cube; bicubic: Cube; sr: Cube },
  preset: 'sspsr' | 'mcnet',
): Promise<{ file: string; whiteDeg: number; modelLowerShare: number; pixels: number }> {
  const bic = await spectralAngleMap(ev.gt, ev.bicubic, { preset });
  const sr = await spectralAngleMap(ev.gt, ev.sr, { preset });
  const scored = bic.data.filter((v) => !Number.isNaN(v)).sort();
  const whiteDeg = Math.max(scored[Math.floor(0.99 * (scored.length - 1))] ?? 0, 1e-3);
  let lower = 0;
  let pixels = 0;
  for (let p = 0; p < bic.data.length; p++) {
    if (Number.isNaN(bic.data[p]) || Number.isNaN(sr.data[p])) continue;
    pixels++;
    if (sr.data[p] < bic.data[p]) lower++;
  }
  const images = [bic, sr].map((m) => scalarMapImage(m, { max: whiteDeg }));
  await writePng(file, composeGrid(images, { columns: 2, border: 4 }));
  return { file, whiteDeg, modelLowerShare: pixels ? lower / pixels : 0, pixels };
}
