// The package graph of docs/ARCHITECTURE.md holds in the code, and the browser entries stay
// browser-safe. Run by `npm test` (node --test scripts/architecture/).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { browserEntries, nodeModulesReached } from './browser-entries.mjs';
import { checkArchitecture, importsOf, parsePackageGraph } from './check-architecture.mjs';

const root = resolve(import.meta.dirname, '..', '..');

describe('package graph', () => {
  test('the repository keeps the graph of docs/ARCHITECTURE.md', () => {
    assert.deepEqual(checkArchitecture(root), []);
  });

  test('the graph block is read as declared', () => {
    const graph = parsePackageGraph('x\n```package-graph\na:\nb: a, c  # why\n```\n');
    assert.deepEqual([...graph.get('a')], []);
    assert.deepEqual([...graph.get('b')], ['a', 'c']);
  });

  test('import specifiers are found in every form', () => {
    const text = [
      "import { a } from '@hsrkit/a';",
      "import type { B } from '@hsrkit/b/node';",
      "export * from './c.js';",
      "const d = await import('@hsrkit/d');",
      "import '@hsrkit/e';",
      'import {\n  f,\n} from "@hsrkit/f";',
      "throw new Error(`use: import { g } from '@hsrkit/g'`);",
    ].join('\n');
    assert.deepEqual(
      importsOf(text).map((i) => i.spec),
      ['@hsrkit/a', '@hsrkit/b/node', './c.js', '@hsrkit/d', '@hsrkit/e', '@hsrkit/f'],
    );
  });

  describe('a tree that breaks the rules', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hsrkit-arch-'));
    after(() => rmSync(tmp, { recursive: true, force: true }));
    const put = (path, text) => {
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), text);
    };
    put('docs/ARCHITECTURE.md', '```package-graph\nlow:\nhigh: low\napp: low, high\n```\n');
    put('packages/low/package.json', '{"name":"@hsrkit/low"}');
    put('packages/low/src/index.ts', "import { h } from '@hsrkit/high';\nexport const l = h;\n");
    put('packages/low/src/peek.ts', "export * from '../../high/src/index.js';\n");
    put('packages/high/package.json', '{"name":"@hsrkit/high"}');
    put('packages/high/src/index.ts', "export { l } from '@hsrkit/low';\n");
    put('apps/app/package.json', '{"name":"app","dependencies":{"@hsrkit/high":"0.0.0"}}');
    put('apps/app/src/main.ts', "import { r } from '@hsrkit/high/node';\n");

    test('each broken rule is reported with its file and line', () => {
      const v = checkArchitecture(tmp);
      const has = (re) =>
        assert.ok(
          v.some((x) => re.test(x)),
          `no violation ${re} in\n${v.join('\n')}`,
        );
      has(/packages\/low\/src\/index\.ts:1: low may not import @hsrkit\/high/);
      has(/packages\/low\/src\/peek\.ts:1: relative import .* reaches into packages\/high/);
      has(/packages\/high\/src\/index\.ts:1: imports @hsrkit\/low, missing from dependencies/);
      has(/apps\/app\/src\/main\.ts:1: an app imports the Node entry/);
      assert.equal(v.length, 4, v.join('\n'));
    });
  });
});

describe('browser entries', () => {
  const entries = browserEntries(root);

  test('every published package has a browser-safe entry', () => {
    const names = entries.map((e) => e.name);
    for (const p of ['layers', 'hsi-data', 'lowrank', 'distill', 'inference', 'lkca-net']) {
      assert.ok(
        names.some((n) => n === `@hsrkit/${p}` || n.startsWith(`@hsrkit/${p}/`)),
        `@hsrkit/${p} in ${names}`,
      );
    }
  });

  for (const entry of entries) {
    test(`${entry.name} bundles for the browser without Node built-ins`, async () => {
      const reached = await nodeModulesReached(entry.file, root);
      assert.deepEqual(
        reached.map((r) => `${r.module} <- ${r.importer}`),
        [],
        `${entry.name} reaches Node built-ins`,
      );
    });
  }

  test('a Node built-in behind a re-export is found', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hsrkit-bundle-'));
    try {
      writeFileSync(
        join(tmp, 'inner.ts'),
        "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n",
      );
      writeFileSync(join(tmp, 'entry.ts'), "export * from './inner.js';\nexport const x = 1;\n");
      const reached = await nodeModulesReached(join(tmp, 'entry.ts'), tmp);
      assert.deepEqual(reached, [{ module: 'node:fs/promises', importer: 'inner.ts' }]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
