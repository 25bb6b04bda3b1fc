import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Runs every `<!-- io-example -->` code block of the package README from the package folder, with
 * `@hsrkit/hsi-data` pointing at this source tree. A `console.log(...); // text` line becomes a check
 * that the logged values, joined by spaces, are exactly `text`.
 */

const PKG = fileURLToPath(new URL('../../', import.meta.url));
const readme = await fs.readFile(path.join(PKG, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/<!-- io-example -->\s*```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1],
);

let tmp: string;
let cwd: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hsi-readme-'));
  const src = path.join(PKG, 'src');
  await fs.writeFile(
    path.join(tmp, 'hsi-data.ts'),
    `export * from ${JSON.stringify(path.join(src, 'cube.ts'))};\nexport * from ${JSON.stringify(path.join(src, 'io/index.ts'))};\n`,
  );
  cwd = process.cwd();
  process.chdir(PKG);
});
afterAll(async () => {
  process.chdir(cwd);
  await fs.rm(tmp, { recursive: true, force: true });
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
          /from '@hsrkit\/hsi-data'/g,
          `from ${JSON.stringify(path.join(tmp, 'hsi-data.ts'))}`,
        )
        .replace(
          /^([ \t]*)console\.log\((.*)\);[ \t]*\/\/[ \t]*(.+)$/gm,
          (_, indent, args, want) =>
            `${indent}(globalThis as any).__readmeExpect([${args}], ${JSON.stringify(want.trim())});`,
        )
        .replace(/^([ \t]*)console\.log\(/gm, '$1void (');
      const file = path.join(tmp, `example-${i + 1}.ts`);
      await fs.writeFile(file, body);
      await import(pathToFileURL(file).href);
      const promised = [...code.matchAll(/^[ \t]*console\.log\(.*\);[ \t]*\/\/[ \t]*\S/gm)].length;
      expect(checked.length).toBeGreaterThanOrEqual(promised);
      for (const c of checked) expect(c.got).toBe(c.want);
    });
  });
});
