// Issue 15 at the CLI: every row of its table as a test. In-process runs (runCli) for the quick
// refusals; child processes for signals and SIGKILL, which need a process of their own.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropCube, readCube, writeCube } from '@hsrkit/hsi-data/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoScene } from '../demo-scene.js';
import { cliFixture, lkca } from './test-support.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../..', import.meta.url));

/** `lkca ...args` in a child process (from source, through tsx). */
function lkcaChild(args: string[]) {
  const code = `const { runCli } = await import(${JSON.stringify(MAIN)}); process.exitCode = await runCli(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', code, ...args],
    { cwd: PACKAGE, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, output: () => out };
}

async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  ms = 120000,
  output?: () => string,
) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms)
      throw new Error(`timed out waiting for ${what}; the child said:\n${output?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The bytes of every weight shard of a saved model, in manifest order. */
async function weightBytes(modelDir: string): Promise<Buffer> {
  const json = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
  const parts: Buffer[] = [];
  for (const g of json.weightsManifest)
    for (const p of g.paths) parts.push(await readFile(join(modelDir, p)));
  return Buffer.concat(parts);
}

describe('lkca reliability (issue 15)', () => {
  let dir: string;
  let crop: string;
  let modelDir: string;
  beforeAll(async () => {
    ({ dir, crop, modelDir } = await cliFixture('lkca-reliability-', { rows: 24, cols: 20 }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const partials = async (d = dir) => (await readdir(d)).filter((f) => f.includes('partial'));

  it('degrade / upscale -o the input (npy, ENVI header, ENVI data file): refused, input intact, exit 1', async () => {
    const npy = join(dir, 'x.npy');
    await writeCube(npy, await readCube(crop));
    const before = await readFile(npy);
    const d = await lkca('degrade', npy, '--scale', '2', '-o', npy);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(
      `HsiOutputPathError: ${npy}: output: is the input ${npy}: refusing to overwrite an input`,
    );
    const u = await lkca('upscale', npy, '--model', modelDir, '-o', npy);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain(`is the input ${npy}`);
    expect(await readFile(npy)).toEqual(before);
    const img = join(dir, 'crop.img');
    const imgBefore = await readFile(img);
    for (const o of [crop, img]) {
      const r = await lkca('upscale', crop, '--model', modelDir, '-o', o);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/HsiOutputPathError: .*crop\.hdr: output: is the input .*crop\.hdr/);
    }
    expect(await readFile(img)).toEqual(imgBefore);
    expect(await partials()).toEqual([]);
  });

  it('preview / analyze --plot / compress -o onto their inputs: refused before any work, inputs intact', async () => {
    // Each of these once wrote over its input: the PNG over the ENVI data file, the SVG over
    // model.json, the compressed model over the model it was read from (its old shard removed).
    const img = join(dir, 'crop.img');
    const cubeBefore = [await readFile(crop), await readFile(img)];
    for (const o of [crop, img]) {
      const r = await lkca('preview', crop, '-o', o);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/HsiOutputPathError: .*: output: is the input .*crop\.hdr/);
    }
    expect([await readFile(crop), await readFile(img)]).toEqual(cubeBefore);

    const modelFiles = async () => {
      const names = (await readdir(modelDir)).sort();
      return { names, bytes: await Promise.all(names.map((n) => readFile(join(modelDir, n)))) };
    };
    const modelBefore = await modelFiles();
    const json = join(modelDir, 'model.json');
    const a = await lkca('analyze', modelDir, '--plot', json);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(`HsiOutputPathError: ${json}: output: is the input ${json}`);
    for (const o of [modelDir, json.replace(/model\.json$/, '')]) {
      const c = await lkca('compress', modelDir, '--method', 'svd', '--rank', '4', '-o', o);
      expect(c.code).toBe(1);
      expect(c.stderr).toMatch(
        /ModelFileError: .*: holds the input .*: choose another output folder/,
      );
    }
    const c2 = await lkca('compress', json, '--method', 'svd', '--rank', '4', '-o', dir);
    expect(c2.code).toBe(1);
    expect(c2.stderr).toContain(`ModelFileError: ${dir}: holds the input ${json}`);
    const other = join(dir, 'notes');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'keep');
    const c3 = await lkca('compress', modelDir, '--method', 'svd', '--rank', '4', '-o', other);
    expect(c3.code).toBe(1);
    expect(c3.stderr).toContain(
      `ModelFileError: ${other}: is a folder with other files (notes.txt)`,
    );
    expect(await readdir(other)).toEqual(['notes.txt']);
    expect(await modelFiles()).toEqual(modelBefore);

    // Where nothing is in the way they still write, and the sizes are the input's and the output's.
    const png = join(dir, 'view.png');
    expect((await lkca('preview', crop, '-o', png)).code).toBe(0);
    expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG');
    const out = join(dir, 'compressed');
    const ok = await lkca(
      'compress',
      modelDir,
      '--method',
      'svd',
      '--rank',
      '4',
      '-o',
      out,
      '--json',
    );
    expect(ok.code).toBe(0);
    const res = JSON.parse(ok.stdout);
    const size = async (d: string, names: string[]) =>
      (await Promise.all(names.map((n) => readFile(join(d, n))))).reduce((t, b) => t + b.length, 0);
    expect(res.bytesBefore).toBe(await size(modelDir, modelBefore.names));
    expect(res.bytesAfter).toBe(await size(out, await readdir(out)));
    const svg = join(dir, 'spectrum.svg');
    expect((await lkca('analyze', modelDir, '--plot', svg)).code).toBe(0);
    expect((await readFile(svg, 'utf8')).startsWith('<svg')).toBe(true);
    expect(await modelFiles()).toEqual(modelBefore);
  });

  it('-o an existing directory, an input that is a directory: typed errors naming them, nothing left', async () => {
    const outDir = join(dir, 'out.npy');
    await mkdir(outDir);
    const r = await lkca('upscale', crop, '--model', modelDir, '-o', outDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`HsiOutputPathError: ${outDir}: output: is an existing directory`);
    const d = await lkca('degrade', crop, '--scale', '2', '-o', outDir);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`${outDir}: output: is an existing directory`);
    const inDir = join(dir, 'in.npy');
    await mkdir(inDir);
    const i = await lkca('upscale', inDir, '--model', modelDir, '-o', join(dir, 'y.npy'));
    expect(i.code).toBe(1);
    expect(i.stderr).toContain(`HsiFormatError: ${inDir}: file: is a directory, not a cube file`);
    expect(await partials()).toEqual([]);
  });

  it('degrade into a missing folder creates it, like upscale', async () => {
    const out = join(dir, 'new', 'deeper', 'lr.npy');
    const r = await lkca('degrade', crop, '--scale', '2', '-o', out);
    expect(r.code).toBe(0);
    expect((await readCube(out)).rows).toBe(12);
  });

  it('a header with bands = 1000000000 or 1e9 lines fails fast with a typed error, no .partial', async () => {
    const sub = join(dir, 'lying');
    await mkdir(sub);
    const header = await readFile(crop, 'latin1');
    await writeFile(join(sub, 'bands.hdr'), header.replace(/^bands\s*=.*$/m, 'bands = 1000000000'));
    await writeFile(join(sub, 'lines.hdr'), header.replace(/^lines\s*=.*$/m, 'lines = 1000000000'));
    for (const f of ['bands.img', 'lines.img'])
      await writeFile(join(sub, f), await readFile(join(dir, 'crop.img')));
    const t0 = performance.now();
    const b = await lkca(
      'upscale',
      join(sub, 'bands.hdr'),
      '--model',
      modelDir,
      '-o',
      join(sub, 'o1.hdr'),
    );
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('HsiFormatError');
    expect(b.stderr).toMatch(/bands: 1000000000 bands is more than the 100000/);
    const l = await lkca(
      'upscale',
      join(sub, 'lines.hdr'),
      '--model',
      modelDir,
      '-o',
      join(sub, 'o2.hdr'),
    );
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/HsiTruncatedError: .*says 1000000000 lines x 20 samples x 31 bands/);
    // Refused from the header, before the backend or the model: no time to build a billion names.
    expect(performance.now() - t0).toBeLessThan(3000);
    expect((await readdir(sub)).sort()).toEqual([
      'bands.hdr',
      'bands.img',
      'lines.hdr',
      'lines.img',
    ]);
  });

  it('--workers 1000 is capped at the cores with a clear message', async () => {
    const r = await lkca(
      'upscale',
      crop,
      '--model',
      modelDir,
      '-o',
      join(dir, 'w.npy'),
      '--workers',
      '1000',
      '--backend',
      'wasm',
    );
    expect(r.code).toBe(0);
    const cores = availableParallelism();
    expect(r.stderr).toContain(
      `--workers 1000 is more than this machine's ${cores} cores: using ${cores} workers`,
    );
  }, 60000);

  // GDAL reads the ENVI header of the x2 output: same upper-left corner, half the pixel size.
  const gdal = (() => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'from osgeo import gdal']);
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(gdal)(
    'upscale x2 keeps the upper-left corner and halves the pixel size (read by GDAL)',
    async () => {
      const cube = await readCube(crop);
      // Reference pixel (1.5, 1.5): the centre of the first pixel, at 612731.41 E, 4074488.208 N,
      // 1 m pixels; so the upper-left corner is 612730.91 E, 4074488.708 N (computed by hand).
      const geo = join(dir, 'geo.hdr');
      await writeCube(geo, {
        ...cube,
        mapInfo: 'UTM, 1.5, 1.5, 612731.41, 4074488.208, 1, 1, 10, North, WGS-84, units=Meters',
      });
      const out = join(dir, 'geo-sr.hdr');
      const r = await lkca('upscale', geo, '--model', modelDir, '-o', out, '--workers', '1');
      expect(r.code).toBe(0);
      expect(await readFile(out, 'latin1')).toMatch(/^map info = \{[^{}]*\}$/m);
      const read = (f: string) =>
        JSON.parse(
          execFileSync('/usr/bin/python3', [
            '-c',
            `from osgeo import gdal; import json, sys; d = gdal.Open(sys.argv[1]); print(json.dumps([d.GetGeoTransform(), d.RasterXSize, d.RasterYSize]))`,
            f.replace(/\.hdr$/, '.img'),
          ]).toString(),
        );
      const [gtIn] = read(geo);
      const [gtOut, w, h] = read(out);
      expect([w, h]).toEqual([40, 48]);
      for (const [got, want] of [
        [gtIn, [612730.91, 1, 0, 4074488.708, 0, -1]],
        [gtOut, [612730.91, 0.5, 0, 4074488.708, 0, -0.5]],
      ])
        for (let k = 0; k < 6; k++) expect(got[k]).toBeCloseTo(want[k], 6);
    },
    60000,
  );

  const trainArgs = (out: string, steps: number, extra: string[] = []) => [
    'train',
    '--data',
    crop,
    '--scale',
    '2',
    '-o',
    out,
    '--steps',
    String(steps),
    '--channels',
    '8',
    '--blocks',
    '1',
    '--upsampler',
    'conv',
    '--batch',
    '2',
    '--patch',
    '8',
    '--backend',
    'wasm',
    '--json',
    ...extra,
  ];

  it('train --resume without a checkpoint is an error (exit 2), not a silent fresh start', async () => {
    const base = trainArgs(join(dir, 'm'), 2, ['--resume']);
    const a = await lkca(...base);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--resume needs --checkpoint-dir <dir>');
    const empty = join(dir, 'no-checkpoints');
    const b = await lkca(...base, '--checkpoint-dir', empty);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`--resume: no checkpoint in ${empty}`);
    expect(existsSync(join(dir, 'm'))).toBe(false);
  });

  it('--seed seeds weight init: two fresh runs are byte-identical, another seed differs', async () => {
    const runs = [
      ['s1', '5'],
      ['s2', '5'],
      ['s3', '6'],
    ] as const;
    for (const [name, seed] of runs) {
      const r = await lkca(...trainArgs(join(dir, name), 3, ['--seed', seed]));
      expect(r.code, r.stderr).toBe(0);
    }
    const [a, b, c] = await Promise.all(runs.map(([n]) => weightBytes(join(dir, n))));
    expect(b.equals(a)).toBe(true);
    expect(c.equals(a)).toBe(false);
  }, 120000);

  it('SIGTERM / Ctrl-C during train: stops at the next step, saves model and checkpoint, exits 130', async () => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const out = join(dir, `int-${sig}`);
      const ck = join(dir, `int-ck-${sig}`);
      const run = lkcaChild(
        trainArgs(out, 100000, ['--checkpoint-dir', ck, '--checkpoint-every', '2']),
      );
      // Interrupt once training is under way (its first checkpoint is on disk).
      await waitFor(
        async () => existsSync(ck) && (await readdir(ck)).some((f) => f.endsWith('.hsrckpt')),
        'a checkpoint',
        120000,
        run.output,
      );
      const t0 = Date.now();
      run.child.kill(sig);
      const { code } = await run.exit;
      expect(code, run.output()).toBe(130);
      expect(Date.now() - t0).toBeLessThan(30000);
      expect(run.output()).toMatch(
        /interrupted: stopped after step \d+ of 100000; the model is saved in/,
      );
      const steps = Number(/stopped after step (\d+)/.exec(run.output())![1]);
      const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
      expect(json.userDefinedMetadata.hsrkit.training.steps).toBe(steps);
      expect((await readdir(ck)).filter((f) => f.endsWith('.hsrckpt'))).toContain(
        `step-${String(steps).padStart(9, '0')}.hsrckpt`,
      );
    }
  }, 300000);

  it('Ctrl-C without --checkpoint-dir: the model of the last step is saved, exit 130 (was an empty folder)', async () => {
    const out = join(dir, 'int-no-ck');
    const run = lkcaChild(trainArgs(out, 100000).filter((a) => a !== '--json'));
    await waitFor(() => /steps: \d+\//.test(run.output()), 'the first step', 120000, run.output);
    await new Promise((r) => setTimeout(r, 1000));
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(code, run.output()).toBe(130);
    const steps = Number(/stopped after step (\d+) of 100000/.exec(run.output())?.[1]);
    expect(steps).toBeGreaterThan(0);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.hsrkit.training.steps).toBe(steps);
    expect((await weightBytes(out)).length).toBeGreaterThan(0);
  }, 200000);

  it('a second Ctrl-C exits at once (130), without waiting for the save', async () => {
    // Both signals must land inside one training step, or the first one's save can finish before
    // the second arrives (which then tests nothing): steps here take about a second (a 64 x 64
    // crop, 32-pixel patches, 64 channels), the first Ctrl-C goes the moment step 1 is reported,
    // the second 20 ms later.
    const big = join(dir, 'big.hdr');
    await writeCube(
      big,
      cropCube('scene', await readDemoScene(), { row: 60, col: 40, rows: 64, cols: 64 }),
    );
    const out = join(dir, 'int-twice');
    const args = trainArgs(out, 100000).filter((a) => a !== '--json');
    const set = (flag: string, v: string) => (args[args.indexOf(flag) + 1] = v);
    set('--data', big);
    set('--channels', '64');
    set('--blocks', '4');
    set('--batch', '8');
    set('--patch', '32');
    const run = lkcaChild(args);
    const firstStep = new Promise<void>((resolve) =>
      run.child.stderr.on('data', () => {
        if (/steps: \d+\//.test(run.output())) resolve();
      }),
    );
    await Promise.race([
      firstStep,
      run.exit.then(() => {
        throw new Error(`exited before its first step:\n${run.output()}`);
      }),
    ]);
    // The loop checks for a stop between steps: wait into step 2 (steps take 0.3-0.5 s here), so
    // both signals arrive while it computes, before any save can start.
    await new Promise((r) => setTimeout(r, 120));
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(code, run.output()).toBe(130);
    expect(run.output()).toContain('Ctrl-C again to exit now');
    expect(run.output()).not.toContain('the model is saved');
  }, 200000);

  it('SIGKILL during train, then --resume: weights byte-identical to an uninterrupted run', async () => {
    const steps = 8;
    const straight = join(dir, 'straight');
    const s = await lkca(...trainArgs(straight, steps, ['--seed', '3']));
    expect(s.code).toBe(0);
    const out = join(dir, 'killed');
    const ck = join(dir, 'kill-ck');
    const run = lkcaChild(
      trainArgs(out, steps, ['--seed', '3', '--checkpoint-dir', ck, '--checkpoint-every', '4']),
    );
    await waitFor(
      () => existsSync(join(ck, 'step-000000004.hsrckpt')),
      'checkpoint 4',
      120000,
      run.output,
    );
    run.child.kill('SIGKILL');
    expect((await run.exit).signal).toBe('SIGKILL');
    const r = await lkca(
      ...trainArgs(out, steps, ['--seed', '3', '--checkpoint-dir', ck, '--resume']),
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await weightBytes(out)).equals(await weightBytes(straight))).toBe(true);
  }, 300000);
});
