// Bounded memory of tiled inference (not a test): `upscaleFile` on an LR scene of 128 x 128 and of
// 512 x 512 (16x the pixels), x4 with a band-specific shipped model (BAND_SPECIFIC: the distilled
// student the results were first measured with), ENVI in and out, each in a fresh child
// process whose peak RSS is read from process.resourceUsage(). The scenes are the real demo scene
// tiled (mirrored) to size. Then the shipped any-band model (lkca-any-band-x4) on the same scenes:
// `upscaleFileWithAnyBand` (the tiled file path, what `lkca upscale` runs) beside what it replaced,
// `predict` on the whole cube read into memory and `writeCube`. Writes
// bench/results/tiled-memory.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** A plain TF.js model (31 bands, x4), as `upscaleFile` takes it; the demo now uses an any-band one. */
const BAND_SPECIFIC = fileURLToPath(
  new URL('../assets/models/lkca-distilled-alpha0.1-x4/', import.meta.url),
);

if (process.argv[2] === 'any-band-child') {
  const [, , , input, output, how, workers] = process.argv;
  const { selectRuntime } = await import('@hsrkit/inference/node');
  const { readCube, writeCube } = await import('@hsrkit/hsi-data/node');
  const { loadAnyBandModel, upscaleFileWithAnyBandModel } = await import('../src/any-band/node.js');
  const { SHIPPED_MODELS_DIR } = await import('../src/shipped-models.js');
  // As the CLI runs it: our WebAssembly kernels in this thread (and in the workers).
  await selectRuntime('wasm', { winogradConv: true });
  const model = await loadAnyBandModel(join(SHIPPED_MODELS_DIR, 'lkca-any-band-x4'));
  const t0 = performance.now();
  if (how === 'file')
    await upscaleFileWithAnyBandModel(model, input, output, {
      workers: Number(workers),
      modelPath: join(SHIPPED_MODELS_DIR, 'lkca-any-band-x4'),
    });
  else await writeCube(output, await model.predict(await readCube(input)));
  const ms = performance.now() - t0;
  model.dispose();
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

if (process.argv[2] === 'child') {
  const [, , , input, output, workers, tileArg] = process.argv;
  const { fusedTileRunner, loadModel, selectRuntime, startTileWorkers, upscaleFile } = await import(
    '@hsrkit/inference/node'
  );
  // As the CLI runs it: our WebAssembly kernels in this thread and in the workers.
  await selectRuntime('wasm', { winogradConv: true });
  const model = await loadModel(BAND_SPECIFIC);
  const n = Number(workers);
  const pool =
    n > 1
      ? await startTileWorkers({ modelPath: BAND_SPECIFIC, runtime: 'wasm', workers: n })
      : undefined;
  const t0 = performance.now();
  await upscaleFile(input, output, {
    model,
    runner: pool?.runner ?? (await fusedTileRunner(model)).runner,
    concurrency: n,
    // 'default': the CLI's default edge (defaultTileEdge: 128 for these 31 bands at x4).
    tile: tileArg === 'default' ? undefined : Number(tileArg),
    overlap: 16,
  });
  const ms = performance.now() - t0;
  await pool?.close();
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const { readDemoScene } = await import('../src/demo-scene.js');
const { writeCube, toInterleave } = await import('@hsrkit/hsi-data/node');
const scene = toInterleave(await readDemoScene(), 'bip');
const dir = mkdtempSync(join(tmpdir(), 'lkca-tiled-mem-'));
const results: Record<string, unknown>[] = [];
try {
  for (const size of [128, 512]) {
    // Mirror-tile the 256 x 256 scene to size x size (float32 BIP).
    const data = new Float32Array(size * size * scene.bands);
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) {
        const rr = Math.floor(r / 256) % 2 ? 255 - (r % 256) : r % 256;
        const cc = Math.floor(c / 256) % 2 ? 255 - (c % 256) : c % 256;
        const src = (rr * 256 + cc) * scene.bands;
        data.set(
          Float32Array.from(scene.data.subarray(src, src + scene.bands)),
          (r * size + c) * scene.bands,
        );
      }
    const input = join(dir, `lr${size}.hdr`);
    await writeCube(input, { ...scene, rows: size, cols: size, data, interleave: 'bip' });
    const runs: [number, string][] = [
      [1, '64'],
      [2, '64'],
      [1, 'default'],
      [2, 'default'],
    ];
    for (const [workers, tile] of runs) {
      const out = execFileSync(
        'npx',
        [
          'tsx',
          '--conditions=source',
          join(here, 'tiled-memory.bench.ts'),
          'child',
          input,
          join(dir, `sr${size}-${workers}-${tile}.hdr`),
          String(workers),
          tile,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!);
      const row = {
        model: basename(BAND_SPECIFIC),
        lr: `${size}x${size}x${scene.bands}`,
        sr: `${size * 4}x${size * 4}x${scene.bands}`,
        srMiB: ((size * 4) ** 2 * scene.bands * 4) / 2 ** 20,
        workers,
        tile: tile === 'default' ? 'default (128)' : Number(tile),
        ...r,
      };
      console.log(JSON.stringify(row));
      results.push(row);
      rmSync(join(dir, `sr${size}-${workers}-${tile}.img`), { force: true });
    }
    // The any-band model: its file path in this thread and on 2 worker threads (as `lkca upscale`
    // runs it by default on 2 cores), and the whole-cube predict it replaced.
    for (const [how, workers] of [
      ['file', 1],
      ['file', 2],
      ['predict', 1],
    ] as const) {
      const out = execFileSync(
        'npx',
        [
          'tsx',
          '--conditions=source',
          join(here, 'tiled-memory.bench.ts'),
          'any-band-child',
          input,
          join(dir, `ab${size}-${how}-${workers}.hdr`),
          how,
          String(workers),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!);
      const row = {
        model: 'lkca-any-band-x4',
        path:
          how === 'file'
            ? 'upscaleFileWithAnyBand (tiles of 96, file sink)'
            : 'predict on the whole cube + writeCube (before)',
        workers,
        lr: `${size}x${size}x${scene.bands}`,
        sr: `${size * 4}x${size * 4}x${scene.bands}`,
        srMiB: ((size * 4) ** 2 * scene.bands * 4) / 2 ** 20,
        ...r,
      };
      console.log(JSON.stringify(row));
      results.push(row);
      rmSync(join(dir, `ab${size}-${how}-${workers}.img`), { force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(
  join(here, 'results', 'tiled-memory.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
);
