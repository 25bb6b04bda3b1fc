import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTempDir } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from './model-files.js';
import { checkModelOutputDir } from './model-output-dir.js';

describe('checkModelOutputDir', () => {
  const tmp = useTempDir('model-output-dir-');

  it('lets a missing folder, an empty one and an earlier saved model be (re)written', async () => {
    await expect(checkModelOutputDir(join(tmp(), 'new'))).resolves.toBeUndefined();
    await mkdir(join(tmp(), 'empty'));
    await expect(checkModelOutputDir(join(tmp(), 'empty'))).resolves.toBeUndefined();
    const earlier = join(tmp(), 'earlier');
    await mkdir(earlier);
    await writeFile(join(earlier, 'model.json'), '{}');
    await writeFile(join(earlier, 'weights.abc.bin'), '');
    await expect(checkModelOutputDir(earlier, [join(tmp(), 'data.npy')])).resolves.toBeUndefined();
  });

  it('refuses a file, a symbolic link and a folder of other files, naming the folder', async () => {
    const file = join(tmp(), 'file');
    await writeFile(file, 'x');
    await expect(checkModelOutputDir(file)).rejects.toThrow(
      new ModelFileError(file, 'exists and is not a folder'),
    );
    const link = join(tmp(), 'link');
    await mkdir(join(tmp(), 'target'));
    await symlink(join(tmp(), 'target'), link);
    await expect(checkModelOutputDir(link)).rejects.toThrow(/link: is a symbolic link/);
    const busy = join(tmp(), 'busy');
    await mkdir(busy);
    for (const n of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) await writeFile(join(busy, n), n);
    await expect(checkModelOutputDir(busy)).rejects.toThrow(
      `${busy}: is a folder with other files (a.txt, b.txt, c.txt, ...), not a saved model`,
    );
  });

  it('refuses the folder an input is (or lies in), also reached through a link', async () => {
    const model = join(tmp(), 'model');
    await mkdir(model);
    await writeFile(join(model, 'model.json'), '{}');
    await expect(checkModelOutputDir(model, [model])).rejects.toThrow(ModelFileError);
    await expect(checkModelOutputDir(model, [join(model, 'model.json')])).rejects.toThrow(
      `holds the input ${join(model, 'model.json')}`,
    );
    const alias = join(tmp(), 'alias');
    await symlink(model, alias);
    await expect(checkModelOutputDir(model, [join(alias, 'model.json')])).rejects.toThrow(
      /holds the input/,
    );
    // A sibling whose name starts the same is not inside.
    await expect(checkModelOutputDir(model, [`${model}2/x.npy`])).resolves.toBeUndefined();
  });
});
