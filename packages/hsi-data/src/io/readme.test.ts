import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/io-fixtures.js';

/*
 * Runs every `<!-- io-example -->` code block of the package README from the package folder, with
 * `@hsrkit/hsi-data` and `@hsrkit/hsi-data/node` pointing at this source tree. A `console.log(...); // text` line becomes a check
 * that the logged values, joined by spaces, are exactly `text`.
 */

const PKG = fileURLToPath(new URL('../../', import.meta.url));
const readme = await fs.readFile(path.join(PKG, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/<!-- io-example -->\s*```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1],
);

const tmpDir = useTempDir('hsi-readme-');
/** The package's entries in this source tree, by the specifier the README imports. */
const ENTRIES: Record<string, string> = {
  '@hsrkit/hsi-data': path.join(PKG, 'src/index.ts'),
  '@hsrkit/hsi-data/node': path.join(PKG, 'src/node.ts'),
};
let cwd: string;
beforeAll(() => {
  cwd = process.cwd();
  process.chdir(PKG);
});
afterAll(() => {
  process.chdir(cwd);
});

describe('README I/O examples run and print what their comments say', () => {
  it('finds the examples', () => expect(examples.length).toBeGreaterThanOrEqual(5));
  examples.forEach((code, i) => {
    it(`example ${i + 1}`, async () => {
      const checked: { got: string; want: string }[] = [];
      (globalThis as Record<string, unknown>).__readmeExpect = (args: unknown[], want: string) =>
        checked.push({ got: args.map(String).join(' '), want });
      const body = code
        .replace(
          /from '(@hsrkit\/hsi-data(?:\/node)?)'/g,
          (_, entry: string) => `from ${JSON.stringify(ENTRIES[entry])}`,
        )
        .replace(
          /^([ \t]*)console\.log\((.*)\);[ \t]*\/\/[ \t]*(.+)$/gm,
          (_, indent, args, want) =>
            `${indent}(globalThis as any).__readmeExpect([${args}], ${JSON.stringify(want.trim())});`,
        )
        .replace(/^([ \t]*)console\.log\(/gm, '$1void (');
      const file = path.join(tmpDir(), `example-${i + 1}.ts`);
      await fs.writeFile(file, body);
      await import(pathToFileURL(file).href);
      const promised = [...code.matchAll(/^[ \t]*console\.log\(.*\);[ \t]*\/\/[ \t]*\S/gm)].length;
      expect(checked.length).toBeGreaterThanOrEqual(promised);
      for (const c of checked) expect(c.got).toBe(c.want);
    });
  });
});
