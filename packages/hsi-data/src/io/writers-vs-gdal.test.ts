import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, useTempDir } from '../../test/io-fixtures.js';
import type { Cube } from '../cube.js';
import { readCube, readCubeWindow, writeCube } from '../node/cube-files.js';
import type { WriteCubeOptions } from './cube-io.js';

/*
 * What our writers write is checked by independent readers: scripts/check_writers.py opens the files in
 * fixtures/io/written/ with GDAL, spectral-python, scipy.io.loadmat and numpy, compares them with the real
 * source scenes (read by GDAL), and records the result and each file's sha256 in writer-check.json.
 * This test re-creates those files with today's writers and requires the same bytes, so the Python
 * verdict holds for the current code. To refresh after a deliberate format change:
 *   HSI_UPDATE_WRITER_FIXTURES=1 npx vitest run src/io/writers-vs-gdal.test.ts
 *   /usr/bin/python3 scripts/check_writers.py
 */

const WRITTEN = path.join(FIXTURES, 'io/written');
const UPDATE = process.env.HSI_UPDATE_WRITER_FIXTURES === '1';

/** The files the checker reads: name -> (source cube, writer options). */
async function cases(): Promise<[string, Cube, WriteCubeOptions][]> {
  const gams = await readCube(path.join(FIXTURES, 'real/cubus_gamsberg_subset.hdr'));
  const jasper = await readCubeWindow(path.join(FIXTURES, 'real/jasperRidge2_R198.hdr'), {
    row: 20,
    col: 30,
    rows: 16,
    cols: 12,
  });
  const samson = await readCubeWindow(path.join(FIXTURES, 'real/samson_1.img'), {
    row: 40,
    col: 10,
    rows: 14,
    cols: 18,
  });
  return [
    ['gamsberg_bsq.hdr', gams, {}],
    ['jasper_bil_be.img', jasper, { byteOrder: 1 }],
    ['samson_bip_f64', samson, { interleave: 'bip', sampleType: 'float64' }],
    ['samson_band.tif', samson, { interleave: 'bsq' }],
    ['jasper_pixel.tif', jasper, {}],
    ['jasper.mat', jasper, { variable: 'jasper' }],
    ['gamsberg.npy', gams, {}],
  ];
}

const tmpDir = useTempDir('hsi-written-');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('writers produce what GDAL / spectral / scipy / numpy read back identically', () => {
  it("today's writers give the bytes that scripts/check_writers.py verified", async () => {
    if (UPDATE) await fs.mkdir(WRITTEN, { recursive: true });
    const produced: Record<string, string> = {};
    for (const [name, cube, opts] of await cases()) {
      const files = await writeCube(path.join(UPDATE ? WRITTEN : tmpDir(), name), cube, opts);
      for (const f of files) produced[path.basename(f)] = sha256(await fs.readFile(f));
    }
    if (UPDATE) return;
    const check = JSON.parse(
      await fs.readFile(path.join(FIXTURES, 'io/writer-check.json'), 'utf8'),
    ) as {
      files: Record<string, string>;
      checks: { file: string; reader: string; ok: boolean; detail: string }[];
    };
    expect(produced).toEqual(check.files);
    for (const [name, hash] of Object.entries(check.files))
      expect(sha256(await fs.readFile(path.join(WRITTEN, name))), name).toBe(hash);
    // Every file was opened by at least one independent reader, and every check passed.
    const readers = new Set(check.checks.map((c) => c.reader));
    for (const r of ['gdal', 'spectral', 'scipy', 'numpy']) expect(readers).toContain(r);
    for (const c of check.checks) expect(c.ok, `${c.reader} on ${c.file}: ${c.detail}`).toBe(true);
  });
});
