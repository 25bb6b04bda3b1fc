import { describe, expect, it } from 'vitest';
import { mountFiles, unmountFolderOf } from './files.js';
import fs, { promises } from './node-fs.js';
import path from './node-path.js';

describe('the node:fs stand-in over picked files', () => {
  it('opens, stats and reads byte ranges of mounted blobs; unmounted paths are ENOENT', async () => {
    const [hdr, img] = mountFiles([
      { name: 'x.hdr', blob: new Blob(['ENVI\nsamples = 2\n']) },
      { name: 'x.img', blob: new Blob([new Uint8Array([1, 2, 3, 4, 5, 6])]) },
    ]);
    expect(path.dirname(hdr)).toBe(path.dirname(img));
    expect((await promises.stat(img)).isFile()).toBe(true);
    expect(await promises.readFile(hdr, 'latin1')).toBe('ENVI\nsamples = 2\n');
    const h = await promises.open(img, 'r');
    expect((await h.stat()).size).toBe(6);
    const buf = new Uint8Array(8);
    expect((await h.read(buf, 1, 4, 3)).bytesRead).toBe(3); // short read at the end, as Node
    expect(Array.from(buf)).toEqual([0, 4, 5, 6, 0, 0, 0, 0]);
    await h.close();
    // geotiff's callback API
    const fd = await new Promise<number>((r, j) => fs.open(img, 'r', (e, v) => (e ? j(e) : r(v!))));
    const out = new Uint8Array(2);
    const n = await new Promise<number>((r, j) =>
      fs.read(fd, out, 0, 2, 1, (e, v) => (e ? j(e) : r(v!))),
    );
    expect([n, ...out]).toEqual([2, 2, 3]);
    unmountFolderOf(img);
    await expect(promises.stat(img)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(promises.open(img, 'w')).rejects.toThrow(/does not write files/);
  });
});

describe('the node:path stand-in', () => {
  it('behaves as POSIX node:path for the calls hsi-data makes', async () => {
    const node = await import('node:path');
    for (const p of ['/a/b/c.hdr', '/a/b/c.img.hdr', 'c', '/a/b/', '/a/.hidden', 'a/b.tar.gz'])
      for (const f of ['dirname', 'basename', 'extname'] as const)
        expect([p, f, path[f](p)]).toEqual([p, f, node.posix[f](p)]);
    expect(path.join('/a', 'b', '../c', './d.hdr')).toBe(
      node.posix.join('/a', 'b', '../c', './d.hdr'),
    );
    expect(path.resolve('/x/y', 'z')).toBe('/x/y/z');
    expect(path.basename('/a/c.hdr', '.hdr')).toBe('c');
  });
});
