// Fails the build when anything the app bundles imports a Node built-in. Vite would otherwise
// replace it with a stub that throws only when used, so a Node-only path reached from a browser
// entry would break the app at run time instead of here. An import that the importing package
// itself maps to `false` in its package.json "browser" field (geotiff's `fs`) is that package's
// declared browser build, and is let through.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The "browser" field map of the package that holds `file`, if it has one. */
function browserFieldOf(file: string): Record<string, unknown> | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const browser = JSON.parse(readFileSync(manifest, 'utf8')).browser;
    return typeof browser === 'object' && browser !== null ? browser : undefined;
  }
  return undefined;
}

export function noNodeBuiltins(): Plugin {
  return {
    name: 'hsrkit-no-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!BUILTINS.has(source)) return null;
      if (importer && browserFieldOf(importer)?.[source] === false) return null;
      this.error(
        `${importer ?? 'the app'} imports the Node built-in "${source}": the playground bundles only browser entries`,
      );
    },
  };
}
