import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A fresh temporary folder for the enclosing `describe` block: made before its tests run and
 * removed, with everything in it, after them. Returns a function giving its path.
 */
export function useTempDir(prefix = 'hsrkit-test-'): () => string {
  let path: string | undefined;
  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (path) await rm(path, { recursive: true, force: true });
  });
  return () => {
    if (!path) throw new Error('useTempDir: the folder exists only while the block runs');
    return path;
  };
}
