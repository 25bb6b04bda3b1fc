// Issue 15: a model folder may reference only regular files inside itself, of exactly the bytes its
// manifest implies; anything else is a ModelFileError naming the path, before a byte is read.
import { execFileSync } from 'node:child_process';
import { copyFile, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBackend, useTempDir } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { espcn } from '../test/espcn.js';
import { loadModel, ModelFileError, saveModel } from './model-files.js';

describe('model folder safety', () => {
  const tempDir = useTempDir('hsrkit-model-safety-');
  let dir: string;
  let good: string;
  let json: any;
  let shard: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = tempDir();
    good = join(dir, 'good');
    const model = espcn(2, 2, 4);
    await saveModel(model, good);
    model.dispose();
    json = JSON.parse(await readFile(join(good, 'model.json'), 'utf8'));
    shard = (await readdir(good)).find((f) => f.endsWith('.bin'))!;
  });

  /** A copy of the good model whose only manifest group lists `paths`. */
  async function variant(name: string, paths: string[], extra?: (d: string) => Promise<void>) {
    const d = join(dir, name);
    execFileSync('mkdir', ['-p', d]);
    await copyFile(join(good, shard), join(d, shard));
    await writeFile(
      join(d, 'model.json'),
      JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths }] }),
    );
    await extra?.(d);
    return d;
  }

  async function refused(d: string, pattern: RegExp) {
    const before = tf.memory().numTensors;
    const err = await loadModel(d).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect(err.message).toMatch(pattern);
    expect(tf.memory().numTensors).toBe(before);
  }

  it('refuses ../ and absolute weight paths (/etc/passwd), naming them', async () => {
    await refused(
      await variant('dotdot', ['../../etc/passwd']),
      /'\.\.\/\.\.\/etc\/passwd' leaves the model's folder/,
    );
    await refused(
      await variant('absolute', ['/etc/passwd']),
      /'\/etc\/passwd' leaves the model's folder/,
    );
    // Spliced between real shards: still refused, nothing loads.
    await refused(
      await variant('spliced', [shard, '../good/model.json']),
      /leaves the model's folder/,
    );
  });

  it('refuses a symlink that leads out of the folder, /dev/zero and a FIFO without hanging', async () => {
    await refused(
      await variant('link-out', ['w.bin'], (d) => symlink('/etc/passwd', join(d, 'w.bin'))),
      /w\.bin: weight path 'w\.bin' resolves to \/etc\/passwd, outside the model's folder/,
    );
    await refused(
      await variant('dev-zero', ['z.bin'], (d) => symlink('/dev/zero', join(d, 'z.bin'))),
      /resolves to \/dev\/zero, outside/,
    );
    const fifoDir = await variant('fifo', ['f.bin'], async (d) => {
      execFileSync('mkfifo', [join(d, 'f.bin')]);
    });
    await refused(fifoDir, /f\.bin: weight path 'f\.bin' is not a regular file/);
    // A FIFO in place of model.json itself is refused too (it would block a read forever).
    const fifoJson = join(dir, 'fifo-json');
    execFileSync('mkdir', ['-p', fifoJson]);
    execFileSync('mkfifo', [join(fifoJson, 'model.json')]);
    await refused(fifoJson, /model\.json: is not a regular file/);
  }, 20000);

  it('a symlink that stays inside the folder loads', async () => {
    const d = await variant('link-in', ['inner.bin'], (d) => symlink(shard, join(d, 'inner.bin')));
    const m = await loadModel(d);
    expect(m.countParams()).toBeGreaterThan(0);
    m.dispose();
  });

  it('refuses a shard whose byte length is not what the manifest implies (one byte more or less)', async () => {
    const bytes = await readFile(join(good, shard));
    await refused(
      await variant('long', [shard], (d) =>
        writeFile(join(d, shard), Buffer.concat([bytes, Buffer.alloc(1)])),
      ),
      new RegExp(`describes ${bytes.length} bytes but its shards hold ${bytes.length + 1}`),
    );
    await refused(
      await variant('short', [shard], (d) => writeFile(join(d, shard), bytes.subarray(1))),
      new RegExp(`describes ${bytes.length} bytes but its shards hold ${bytes.length - 1}`),
    );
  });
});
