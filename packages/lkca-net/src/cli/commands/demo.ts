import { resolveModel, singleModel } from '../../shipped-models.js';
import type { Command } from 'commander';
import { DEMO_HOLD_OUT, DEMO_MODEL_PATH, DEMO_SCALE } from '../../demo-scene.js';
import { runDemo } from '../../run-demo.js';
import { type CommonOptions, makeContext, parseNumber } from '../context.js';
import { metricTable, metricValues } from '../metric-table.js';
import { backendOption, jsonOption, winogradOption, workersOption } from '../options.js';

export function demoCommand(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'super-resolve the held-out quadrant of the shipped real scene x4 with the shipped weights',
    )
    .option('--out <dir>', 'where to write the SR cube and PNG previews', 'lkca-demo')
    .option(
      '--model <name|dir>',
      'model to use instead of the shipped one (a name from lkca models, or a folder)',
      DEMO_MODEL_PATH,
    )
    // On by default: the demo shows the best the shipped model does (EDSR's x8 self-ensemble,
    // src/self-ensemble.ts); --no-self-ensemble times and scores the single pass.
    .option(
      '--no-self-ensemble',
      'one pass of the model instead of the mean over the 8 rotations and flips of the input (8x faster, lower scores)',
    );
  jsonOption(winogradOption(workersOption(backendOption(cmd), '1'))).action(
    async (
      o: CommonOptions & { out: string; model: string; workers: string; selfEnsemble: boolean },
    ) => {
      const ctx = makeContext(o);
      const info = await ctx.runtime();
      ctx.out.info(
        `scene: CAVE balloons, held-out quadrant rows ${DEMO_HOLD_OUT.row}.., cols ${DEMO_HOLD_OUT.col}.. (never seen in training), x${DEMO_SCALE}`,
      );
      const progress = ctx.out.tracker('tiles');
      const { evaluation: ev, files } = await runDemo({
        outDir: o.out,
        modelPath: singleModel(resolveModel(o.model), 'lkca demo').path,
        runtime: info.requested,
        workers: parseNumber('workers', o.workers, { int: true, min: 1 }),
        fastKernels: o.winograd !== false,
        selfEnsemble: o.selfEnsemble !== false,
        signal: ctx.signal,
        onProgress: progress.onProgress,
      }).finally(progress.stop);
      ctx.out.result(
        {
          scene: 'CAVE balloons (held-out quadrant)',
          rows: ev.gt.rows,
          cols: ev.gt.cols,
          bands: ev.gt.bands,
          scale: ev.scale,
          backend: info.backend,
          device: info.device,
          ms: ev.modelMs,
          selfEnsemble: o.selfEnsemble !== false,
          ...metricValues(ev.metrics),
          bicubic: metricValues(ev.bicubicMetrics),
          files: { sr: files.sr, preview: files.grid },
        },
        `${metricTable([
          [
            `${resolveModel(o.model).name}${o.model === DEMO_MODEL_PATH ? ' (shipped)' : ''}${o.selfEnsemble !== false ? ', self-ensemble x8' : ''}`,
            ev.metrics,
          ],
          ['bicubic', ev.bicubicMetrics],
        ])}\n${ev.lr.rows}x${ev.lr.cols} -> ${ev.gt.rows}x${ev.gt.cols} x ${ev.gt.bands} bands in ${(ev.modelMs / 1000).toFixed(2)} s on ${info.backend}\n` +
          `wrote ${files.sr} and ${files.grid} (LR | bicubic | model | ground truth)`,
      );
    },
  );
}
