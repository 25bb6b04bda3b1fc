// Bundles the browser-safe entries of every published package (`.` and any export whose key does
// not name `node`) with esbuild for the browser platform, from their TypeScript sources, and lists
// every Node built-in module they reach (docs/ARCHITECTURE.md, "Entries").
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
// Peer dependencies the user brings; their own browser builds are theirs to ship.
const PEERS = /^(@tensorflow\/|webgpu$)/;

/** True when the importer's own package.json maps `module` to false in its `browser` field (the
 * package promises not to use it in a browser, e.g. geotiff's `fs` for file sources). */
function browserFieldDisables(importer, module) {
  for (let dir = dirname(importer); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const browser = JSON.parse(readFileSync(file, 'utf8')).browser;
    if (!browser || typeof browser !== 'object') return false;
    const bare = module.replace(/^node:/, '');
    return browser[module] === false || browser[bare] === false;
  }
  return false;
}

/** The browser-safe entry files of the published packages under `root/packages`. */
export function browserEntries(root) {
  const entries = [];
  for (const name of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (pkg.private || !pkg.exports) continue;
    for (const [key, value] of Object.entries(pkg.exports)) {
      if (key.includes('node') || key.endsWith('.json') || typeof value !== 'object') continue;
      if (!value.source) continue;
      entries.push({
        name: `${pkg.name}${key === '.' ? '' : key.slice(1)}`,
        file: join(dir, value.source),
      });
    }
  }
  return entries;
}

/** Node built-ins reached from `file` when bundled for the browser: `[{ module, importer }]`. */
export async function nodeModulesReached(file, root) {
  const reached = [];
  await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    conditions: ['source', 'browser'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (BUILTINS.has(args.path)) {
              if (browserFieldDisables(args.importer, args.path))
                return { path: args.path, external: true };
              reached.push({ module: args.path, importer: relative(root, args.importer) });
              return { path: args.path, external: true };
            }
            if (PEERS.test(args.path)) return { path: args.path, external: true };
            return undefined;
          });
        },
      },
    ],
  });
  return reached;
}
