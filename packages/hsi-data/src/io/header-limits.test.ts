// Issue 15: sizes a header declares are checked against the file and sane limits before anything
// is allocated; inputs that are not regular files and outputs that are links or directories are
// typed errors; temp files are exclusive and stale ones are cleaned.
import { execFileSync, spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { HsiFormatError, HsiOutputPathError, HsiTruncatedError } from '../errors.js';
import {
  checkOutputPaths,
  cubeInfo,
  openPartialFile,
  readCube,
  readCubeWindow,
  removeStalePartials,
  writeCube,
} from '../node.js';

const sharedDir = useTempDir('hsi-header-limits-');
/** A fresh folder per test (useTempDir gives one per file). */
const tempDir = () => mkdtemp(join(sharedDir(), 't-'));

function enviHeader(fields: Record<string, string | number>): string {
  const base = {
    samples: 4,
    lines: 3,
    bands: 2,
    'data type': 4,
    interleave: 'bsq',
    'byte order': 0,
  };
  return `ENVI\n${Object.entries({ ...base, ...fields })
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

describe('sizes from headers', () => {
  it('bands = 1000000000 fails in milliseconds with HsiFormatError (was an out-of-memory abort)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'x.hdr'), enviHeader({ bands: 1000000000 }));
    await writeFile(join(dir, 'x.img'), new Uint8Array(96));
    for (const read of [
      () => cubeInfo(join(dir, 'x.hdr')),
      () => readCube(join(dir, 'x.hdr')),
      () => readCubeWindow(join(dir, 'x.hdr'), { row: 0, col: 0, rows: 1, cols: 1 }),
    ]) {
      const t0 = performance.now();
      const err = await read().catch((e) => e);
      expect(performance.now() - t0).toBeLessThan(500);
      expect(err).toBeInstanceOf(HsiFormatError);
      expect(err.field).toBe('bands');
      expect(err.message).toMatch(/1000000000 bands is more than the 100000/);
    }
  });

  it('1e9 lines in an ENVI header or an .npy shape: HsiTruncatedError from the header alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'y.hdr'), enviHeader({ lines: 1000000000 }));
    await writeFile(join(dir, 'y.img'), new Uint8Array(96));
    const e1 = await cubeInfo(join(dir, 'y.hdr')).catch((e) => e);
    expect(e1).toBeInstanceOf(HsiTruncatedError);
    expect(e1.expectedBytes).toBe(1e9 * 4 * 2 * 4);
    expect(e1.actualBytes).toBe(96);
    // A real .npy whose shape is edited to (1000000000, 4, 3), the header length unchanged.
    const npy = join(dir, 'z.npy');
    await writeCube(npy, {
      rows: 4,
      cols: 4,
      bands: 3,
      interleave: 'bip',
      data: new Float32Array(48),
    });
    const bytes = await readFile(npy);
    const text = bytes
      .toString('latin1')
      .replace('(4, 4, 3)', '(1000000000, 4, 3)')
      // The header is padded with spaces before its newline: 9 fewer keep its length.
      .replace('         \n', '\n');
    expect(text.length).toBe(bytes.length);
    await writeFile(npy, Buffer.from(text, 'latin1'));
    const e2 = await cubeInfo(npy).catch((e) => e);
    expect(e2).toBeInstanceOf(HsiTruncatedError);
    expect(e2.message).toMatch(/shape 1000000000x4x3/);
  });
});

describe('inputs that are not regular files', () => {
  it('a directory or a FIFO as input is HsiFormatError naming it (a FIFO does not hang)', async () => {
    const dir = await tempDir();
    const d = join(dir, 'd.npy');
    await mkdir(d);
    await expect(cubeInfo(d)).rejects.toThrow(`${d}: file: is a directory, not a cube file`);
    await expect(readCube(join(dir))).rejects.toBeInstanceOf(HsiFormatError);
    const fifo = join(dir, 'f.npy');
    execFileSync('mkfifo', [fifo]);
    const err = await cubeInfo(fifo).catch((e) => e);
    expect(err).toBeInstanceOf(HsiFormatError);
    expect(err.message).toBe(`${fifo}: file: is not a regular file`);
  });

  it("an ENVI 'data file' field is never followed, nor written into a new header", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'e.hdr'), enviHeader({ 'data file': '/etc/passwd' }));
    const values = Float32Array.from({ length: 24 }, (_, i) => i);
    await writeFile(join(dir, 'e.img'), new Uint8Array(values.buffer));
    const cube = await readCube(join(dir, 'e.hdr'));
    expect(Array.from(cube.data)).toEqual(Array.from(values));
    expect(cube.metadata?.['data file']).toBeUndefined();
    await writeCube(join(dir, 'copy.hdr'), cube);
    expect(await readFile(join(dir, 'copy.hdr'), 'latin1')).not.toMatch(/data file|passwd/);
  });
});

describe('output paths and temp files', () => {
  const cube = {
    rows: 2,
    cols: 2,
    bands: 1,
    interleave: 'bip' as const,
    data: new Float32Array(4),
  };

  it('checkOutputPaths: the input itself, its ENVI data file, a hard link, a directory, a symlink', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.hdr');
    await writeCube(input, cube);
    const problem = (o: string): Promise<unknown[]> =>
      checkOutputPaths(o, [input]).then(
        () => [],
        (e: HsiOutputPathError) => [e.constructor, e.problem, e.file, e.input],
      );
    expect(await problem(input)).toEqual([HsiOutputPathError, 'is-input', input, input]);
    expect(await problem(join(dir, 'in.img.hdr'))).toEqual([
      HsiOutputPathError,
      'is-input',
      join(dir, 'in.img'),
      join(dir, 'in.img'),
    ]);
    execFileSync('ln', [join(dir, 'in.img'), join(dir, 'hard.img')]);
    expect(await problem(join(dir, 'hard.img'))).toEqual([
      HsiOutputPathError,
      'is-input',
      join(dir, 'hard.img'),
      join(dir, 'in.img'),
    ]);
    await mkdir(join(dir, 'sub.npy'));
    expect((await problem(join(dir, 'sub.npy')))[1]).toBe('directory');
    await symlink('/tmp/anything', join(dir, 'link.npy'));
    expect((await problem(join(dir, 'link.npy')))[1]).toBe('symlink');
    expect(await checkOutputPaths(join(dir, 'fresh.hdr'), [input])).toBeUndefined();
  });

  it('writeCube refuses a symlink at the target and leaves its target alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'victim'), 'keep');
    await symlink(join(dir, 'victim'), join(dir, 'out.npy'));
    await expect(writeCube(join(dir, 'out.npy'), cube)).rejects.toBeInstanceOf(HsiOutputPathError);
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('keep');
    expect((await readdir(dir)).sort()).toEqual(['out.npy', 'victim']);
  });

  it('temp files are exclusive and random; stale ones of dead processes are removed', async () => {
    const dir = await tempDir();
    const target = join(dir, 'o.npy');
    const a = await openPartialFile(target);
    const b = await openPartialFile(target);
    await a.handle.close();
    await b.handle.close();
    expect(a.path).not.toBe(b.path);
    expect(a.path).toMatch(new RegExp(`/\\.o\\.npy\\.${process.pid}-[0-9a-f]{12}\\.partial$`));
    expect((await lstat(a.path)).mode & 0o777).toBe(0o644 & ~process.umask());
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = join(dir, `.o.npy.${dead}-aaaaaaaaaaaa.partial`);
    await writeFile(stale, 'x');
    // Ours (this live process) stay; the dead one's goes.
    expect(await removeStalePartials(target)).toEqual([stale]);
    expect((await readdir(dir)).sort()).toEqual(
      [a.path, b.path].map((p) => p.slice(dir.length + 1)).sort(),
    );
    // Writing the target cleans nothing it should not, and leaves no temp file of its own.
    await writeCube(target, cube);
    expect((await readdir(dir)).filter((f) => !f.includes(String(process.pid)))).toEqual(['o.npy']);
  });
});
