// Issue 15, rows "data loss", "symlink at the temp name", "kill -9 leaves a .partial", "-o is a
// directory", "input is a directory", "1e9 lines", "--workers 1000", "no-data": upscaleFile and
// upscaleFileWithModel refuse before any work, write only through exclusive temp files, and honour
// no-data end to end.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BipCube,
  HsiFormatError,
  HsiOutputPathError,
  HsiTruncatedError,
  readCube,
  toBipCube,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { useBackend, useTempDir } from '@hsrkit/testing';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { espcn } from '../test/espcn.js';
import { saveModel } from './model-files.js';
import { withModelMetadata } from './model-metadata.js';
import { capWorkers } from './tile-workers.js';
import { modelTileRunner } from './tiled-inference.js';
import { upscaleFile } from './upscale-file.js';
import { upscaleFileWithModel } from './upscale-with-model.js';

const fixture = fileURLToPath(new URL('../fixtures/samson_crop.hdr', import.meta.url));

/** A pid that no process has: a child that already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid as number;
}

describe('upscale output safety', () => {
  const tempDir = useTempDir('hsrkit-output-safety-');
  let dir: string;
  let input: string;
  let inputBytes: Buffer;
  let model: tf.LayersModel;
  let modelDir: string;
  const partials = async (d = dir) => (await readdir(d)).filter((f) => f.includes('partial'));
  const run = (i: string, o: string) =>
    upscaleFile(i, o, { model, runner: modelTileRunner(model), tile: 16, overlap: 8 });

  beforeAll(async () => {
    await useBackend('wasm');
    dir = tempDir();
    input = join(dir, 'lr.hdr');
    await copyFile(fixture, input);
    await copyFile(fixture.replace(/\.hdr$/, '.img'), join(dir, 'lr.img'));
    inputBytes = await readFile(join(dir, 'lr.img'));
    model = espcn(156, 2, 8);
    withModelMetadata(model, { scale: 2, bands: 156 });
    modelDir = join(dir, 'model');
    await saveModel(model, modelDir);
  });
  afterAll(() => model.dispose());

  /** `-o o` is refused: its file `outFile` (header or data file) is the input's file `inputFile`. */
  async function refusedAsInput(i: string, o: string, outFile: string, inputFile: string) {
    const err = await run(i, o).catch((e) => e);
    expect(err).toBeInstanceOf(HsiOutputPathError);
    expect(err.problem).toBe('is-input');
    expect(err.file).toBe(join(dir, outFile));
    expect(err.input).toBe(join(dir, inputFile));
    expect(err.message).toMatch(/refusing to overwrite an input/);
  }

  it('refuses an output that is the input (header, data file, hard link, symlink), before any work', async () => {
    await refusedAsInput(input, input, 'lr.hdr', 'lr.hdr');
    // `-o lr.img` writes header lr.hdr (the input's) and data lr.img (the input's).
    await refusedAsInput(input, join(dir, 'lr.img'), 'lr.hdr', 'lr.hdr');
    // `-o lr.img.hdr` writes a new header but the data file lr.img: still the input's data.
    await refusedAsInput(input, join(dir, 'lr.img.hdr'), 'lr.img', 'lr.img');
    // A hard link to the data file (same device and inode) and a symlink to the header.
    await link(join(dir, 'lr.img'), join(dir, 'hard.img'));
    await refusedAsInput(input, join(dir, 'hard.img'), 'hard.img', 'lr.img');
    await symlink(join(dir, 'lr.hdr'), join(dir, 'soft.hdr'));
    await refusedAsInput(join(dir, 'soft.hdr'), input, 'lr.hdr', 'soft.hdr');
    // Through the model-loading entry too, and for a single-file format.
    const npy = join(dir, 'lr.npy');
    await writeCube(npy, await readCube(input));
    const err = await upscaleFileWithModel(npy, npy, { modelPath: join(dir, 'no-model') }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(HsiOutputPathError);
    expect(err.message).toBe(
      `${npy}: output: is the input ${npy}: refusing to overwrite an input (choose another output name)`,
    );
    expect(await readFile(join(dir, 'lr.img'))).toEqual(inputBytes);
    expect(await partials()).toEqual([]);
  });

  it('refuses an existing directory as output, and a directory as input, naming them', async () => {
    const outDir = join(dir, 'out-dir.npy');
    await mkdir(outDir);
    const err = await run(input, outDir).catch((e) => e);
    expect(err).toBeInstanceOf(HsiOutputPathError);
    expect(err.problem).toBe('directory');
    expect(err.message).toBe(`${outDir}: output: is an existing directory, not a file name`);
    const inDir = join(dir, 'in-dir.npy');
    await mkdir(inDir);
    const err2 = await run(inDir, join(dir, 'x.npy')).catch((e) => e);
    expect(err2).toBeInstanceOf(HsiFormatError);
    expect(err2.message).toBe(`${inDir}: file: is a directory, not a cube file`);
    expect(await partials()).toEqual([]);
  });

  it('never writes through a symlink at the final or at the old predictable temp name', async () => {
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    // A symlink at the final name is refused.
    await symlink(victim, join(dir, 'final.img'));
    const err = await run(input, join(dir, 'final.hdr')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiOutputPathError);
    expect(err.problem).toBe('symlink');
    // Symlinks planted at `OUT.img.<pid>.partial` (the old name) of this and of a dead process.
    const out = join(dir, 'sr.hdr');
    await symlink(victim, join(dir, `sr.img.${process.pid}.partial`));
    await symlink(victim, join(dir, `sr.img.${deadPid()}.partial`));
    await run(input, out);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(join(dir, 'sr.img'))).isFile()).toBe(true);
    expect((await lstat(out)).isFile()).toBe(true);
    expect((await readCube(out)).rows).toBe(48);
    // The live process's link is left (it is not stale), never followed; the dead one's is gone.
    expect(await partials()).toEqual([`sr.img.${process.pid}.partial`]);
    expect(await readlink(join(dir, `sr.img.${process.pid}.partial`))).toBe(victim);
  });

  it('removes the .partial files a killed run left for the same output (new and old names)', async () => {
    const sub = join(dir, 'stale');
    await mkdir(sub);
    const dead = deadPid();
    const stale = [`.sr.img.${dead}-0123456789ab.partial`, `sr.img.${dead}.partial`];
    for (const s of stale) {
      await writeFile(join(sub, s), '');
      spawnSync('truncate', ['-s', '1G', join(sub, s)]); // the sparse GiB kill -9 left
    }
    // Another output's partial is not touched.
    const other = `.other.img.${dead}-0123456789ab.partial`;
    await writeFile(join(sub, other), 'x');
    await run(input, join(sub, 'sr.hdr'));
    expect(await partials(sub)).toEqual([other]);
  });

  it('a header declaring 1e9 lines fails before any allocation or temp file', async () => {
    const sub = join(dir, 'huge');
    await mkdir(sub);
    const header = (await readFile(input, 'latin1')).replace(
      /^lines\s*=.*$/m,
      'lines = 1000000000',
    );
    await writeFile(join(sub, 'big.hdr'), header);
    await copyFile(join(dir, 'lr.img'), join(sub, 'big.img'));
    const err = await run(join(sub, 'big.hdr'), join(sub, 'out.hdr')).catch((e) => e);
    expect(err).toBeInstanceOf(HsiTruncatedError);
    expect(err.message).toMatch(/says 1000000000 lines x 20 samples x 156 bands/);
    expect(await partials(sub)).toEqual([]);
    expect((await readdir(sub)).sort()).toEqual(['big.hdr', 'big.img']);
  });

  it('--workers beyond the cores is capped at os.availableParallelism() and says so', async () => {
    const cores = availableParallelism();
    expect(capWorkers(1000)).toEqual({ workers: cores, cores, capped: true });
    expect(capWorkers(1)).toEqual({ workers: 1, cores, capped: false });
    const said: number[][] = [];
    const res = await upscaleFileWithModel(input, join(dir, 'capped.npy'), {
      modelPath: modelDir,
      workers: 1000,
      runtime: 'wasm',
      onWorkersCapped: (used, requested) => said.push([used, requested]),
    });
    expect(said).toEqual([[cores, 1000]]);
    expect(res.devices).toHaveLength(cores > 1 ? cores : 0);
  }, 60000);
});

describe('upscale honours no-data end to end', () => {
  const tempDir = useTempDir('hsrkit-nodata-');
  const NO_DATA = -32768;
  const bands = 3;
  const scale = 2;

  it('fills no-data with the band mean going in, writes it back coming out; a no-data band stays no-data', async () => {
    await useBackend('wasm');
    const dir = tempDir();
    const model = espcn(bands, scale, 8);
    withModelMetadata(model, { scale, bands });
    const rows = 12;
    const cols = 10;
    // Smooth valid values, a 3 x 2 block of no-data pixels (all bands), a lone no-data sample in
    // band 0, and band 2 entirely no-data (as EnMAP's dead bands).
    const data = new Float32Array(rows * cols * bands);
    const gone = (r: number, c: number, b: number) =>
      b === 2 || (r >= 4 && r < 7 && c >= 3 && c < 5) || (b === 0 && r === 9 && c === 8);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        for (let b = 0; b < bands; b++)
          data[(r * cols + c) * bands + b] = gone(r, c, b)
            ? NO_DATA
            : 0.2 + 0.05 * b + 0.01 * r - 0.02 * c;
    const cube: BipCube = { rows, cols, bands, interleave: 'bip', data, noDataValue: NO_DATA };
    await writeCube(join(dir, 'lr.hdr'), cube);
    // The reference: the same cube with no-data replaced by its band's valid mean, no no-data.
    const mean = [0, 1, 2].map((b) => {
      let s = 0;
      let n = 0;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          if (!gone(r, c, b)) {
            s += data[(r * cols + c) * bands + b];
            n++;
          }
      return n ? Math.fround(s / n) : 0;
    });
    const filled = Float32Array.from(data, (v, i) => (v === NO_DATA ? mean[i % bands] : v));
    await writeCube(join(dir, 'filled.hdr'), { ...cube, data: filled, noDataValue: undefined });
    const opts = { model, runner: modelTileRunner(model), tile: 8, overlap: 8 };
    await upscaleFile(join(dir, 'lr.hdr'), join(dir, 'sr.hdr'), opts);
    await upscaleFile(join(dir, 'filled.hdr'), join(dir, 'ref.hdr'), opts);
    const sr = toBipCube(await readCube(join(dir, 'sr.hdr')));
    const ref = toBipCube(await readCube(join(dir, 'ref.hdr')));
    expect(sr.noDataValue).toBe(NO_DATA);
    expect(await readFile(join(dir, 'sr.hdr'), 'latin1')).toMatch(/^data ignore value = -32768$/m);
    let noDataOut = 0;
    for (let y = 0; y < rows * scale; y++)
      for (let x = 0; x < cols * scale; x++)
        for (let b = 0; b < bands; b++) {
          const i = (y * cols * scale + x) * bands + b;
          if (gone(Math.floor(y / scale), Math.floor(x / scale), b)) {
            expect(sr.data[i]).toBe(NO_DATA);
            noDataOut++;
          } else {
            // Valid output equals the filled reference exactly: no -32768 went through the net.
            expect(sr.data[i]).toBe(ref.data[i]);
            expect(Math.abs(sr.data[i])).toBeLessThan(100);
          }
        }
    expect(noDataOut).toBe(rows * scale * cols * scale + 6 * 4 * 2 + 4);
    // The same cube as a GeoTIFF with GDAL nodata in, a GeoTIFF out: the same numbers, nodata kept.
    await writeCube(join(dir, 'lr.tif'), cube);
    await upscaleFile(join(dir, 'lr.tif'), join(dir, 'sr.tif'), opts);
    const tif = toBipCube(await readCube(join(dir, 'sr.tif')));
    expect(tif.noDataValue).toBe(NO_DATA);
    expect(Array.from(tif.data)).toEqual(Array.from(sr.data));
    model.dispose();
  });
});
