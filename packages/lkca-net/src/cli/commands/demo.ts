import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Cube,
  composeGrid,
  cropCube,
  falseColor,
  writeCube,
  writePng,
} from '@hsrkit/hsi-data/node';
import type { Command } from 'commander';
import {
  DEMO_HOLD_OUT,
  DEMO_MODEL_PATH,
  DEMO_SCALE,
  DEMO_SCENE_PATH,
  readDemoScene,
} from '../../demo-scene.js';
import { evaluateScene } from '../../evaluate.js';
import { loadModel } from '../../io-node.js';
import { startTileRunner } from '../../tile-workers.js';
import { CliUsageError, type CommonOptions, makeContext, parseNumber } from '../context.js';
import { table } from '../output.js';

const pick = (m: Record<string, number>) => ({
  mpsnr: m.mpsnr,
  mssim: m.mssim,
  sam: m.sam,
  ergas: m.ergas,
  cc: m.cc,
  rmse: m.rmse,
});

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'super-resolve the held-out quadrant of the shipped real scene x4 with the shipped weights',
    )
    .option('--out <dir>', 'where to write the SR cube and PNG previews', 'lkca-demo')
    .option('--model <dir>', 'model to use instead of the shipped one', DEMO_MODEL_PATH)
    .option('--backend <name>', 'node-gpu | node | webgpu | wasm | webgl | cpu | auto', 'auto')
    .option('--workers <n>', 'worker threads for tiles', '1')
    .option(
      '--no-winograd',
      "on wasm/cpu, keep TF.js's stock kernels (no Winograd/GEMM convs, no fused tail)",
    )
    .option('--json', 'machine-readable output')
    .action(async (o: CommonOptions & { out: string; model: string; workers: string }) => {
      const ctx = makeContext(o);
      if (!existsSync(o.model))
        throw new CliUsageError(
          `no model at ${o.model}: train it with 'npx tsx --conditions=source scripts/train-demo.ts student'`,
        );
      const info = await ctx.runtime();
      const model = await loadModel(o.model);
      const scene = await readDemoScene();
      const gtRegion: Cube = cropCube(DEMO_SCENE_PATH, scene, {
        row: DEMO_HOLD_OUT.row,
        col: DEMO_HOLD_OUT.col,
        rows: DEMO_HOLD_OUT.rows,
        cols: DEMO_HOLD_OUT.cols,
      });
      ctx.out.info(
        `scene: CAVE balloons ${scene.rows} x ${scene.cols} x ${scene.bands}; held-out quadrant rows ${DEMO_HOLD_OUT.row}.., cols ${DEMO_HOLD_OUT.col}.. (never seen in training), x${DEMO_SCALE}`,
      );
      const workers = parseNumber('workers', o.workers, { int: true, min: 1 })!;
      const pool = await startTileRunner(model, {
        modelPath: o.model,
        runtime: info.requested,
        workers,
        winogradConv: o.winograd !== false,
        fusedTail: o.winograd !== false,
      });
      let bar: ReturnType<typeof ctx.out.progress> | undefined;
      let ev: Awaited<ReturnType<typeof evaluateScene>>;
      try {
        ev = await evaluateScene(model, gtRegion, {
          scale: DEMO_SCALE,
          runner: pool.runner,
          concurrency: workers,
          tile: 32,
          overlap: 8,
          signal: ctx.signal,
          onProgress: (d, t) => {
            bar ??= ctx.out.progress('tiles', t);
            bar.update(d);
          },
        });
      } finally {
        bar?.stop();
        await pool.close();
      }
      await mkdir(o.out, { recursive: true });
      const srFile = join(o.out, 'sr_x4.hdr');
      await writeCube(srFile, ev.sr);
      await writeCube(join(o.out, 'lr.hdr'), ev.lr);
      // One stretch for all four pictures (the ground truth's), so they compare fairly.
      const gtView = await falseColor(ev.gt);
      const views = await Promise.all(
        [ev.lr, ev.bicubic, ev.sr].map((c) => falseColor(c, { stretch: gtView.stretch })),
      );
      const names = ['lr', 'bicubic', 'lkca', 'ground-truth'];
      const images = [...views.map((v) => v.image), gtView.image];
      for (let i = 0; i < 4; i++) await writePng(join(o.out, `${names[i]}.png`), images[i]);
      const grid = join(o.out, 'compare.png');
      await writePng(grid, composeGrid(images, { border: 4 }));
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
          ...pick(ev.metrics as never),
          bicubic: pick(ev.bicubicMetrics as never),
          files: { sr: srFile, preview: grid },
        },
        `${table([
          ['', 'MPSNR (dB)', 'MSSIM', 'SAM (deg)', 'ERGAS', 'CC', 'RMSE'],
          [
            'LKCA-Net (shipped)',
            ev.metrics.mpsnr,
            ev.metrics.mssim,
            ev.metrics.sam,
            ev.metrics.ergas,
            ev.metrics.cc,
            ev.metrics.rmse,
          ],
          [
            'bicubic',
            ev.bicubicMetrics.mpsnr,
            ev.bicubicMetrics.mssim,
            ev.bicubicMetrics.sam,
            ev.bicubicMetrics.ergas,
            ev.bicubicMetrics.cc,
            ev.bicubicMetrics.rmse,
          ],
        ])}\n${ev.lr.rows}x${ev.lr.cols} -> ${ev.gt.rows}x${ev.gt.cols} x ${ev.gt.bands} bands in ${(ev.modelMs / 1000).toFixed(2)} s on ${info.backend}\n` +
          `wrote ${srFile} and ${grid} (LR | bicubic | LKCA-Net | ground truth)`,
      );
    });
}
