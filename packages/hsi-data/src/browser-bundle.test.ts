// The browser entry must not reach Node: bundle src/index.ts for the browser platform with esbuild
// (nothing marked external, workspace packages from their sources) and fail on any Node built-in,
// whether esbuild refuses to resolve it or it ends up in the bundle. See docs/ARCHITECTURE.md, "Entries".
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Message, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Bundles `file` for the browser; returns esbuild's errors and the modules the bundle holds. */
async function bundleForBrowser(
  file: string,
): Promise<{ errors: Message[]; inputs: string[]; imports: string[] }> {
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      conditions: ['source'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const meta = result.metafile as Metafile;
    return {
      errors: result.errors,
      inputs: Object.keys(meta.inputs),
      imports: Object.values(meta.inputs).flatMap((i) => i.imports.map((x) => x.path)),
    };
  } catch (err) {
    return { errors: (err as { errors?: Message[] }).errors ?? [], inputs: [], imports: [] };
  }
}

const describeErrors = (errors: Message[]) =>
  errors.map((e) => `${e.location?.file ?? '?'}:${e.location?.line ?? '?'}: ${e.text}`);

describe('the browser entry bundles for the browser without Node built-ins', () => {
  it('src/index.ts: no build errors, no node: module, no Node built-in in the bundle', async () => {
    const { errors, inputs, imports } = await bundleForBrowser(entry('./index.ts'));
    expect(describeErrors(errors)).toEqual([]);
    expect(inputs.length).toBeGreaterThan(50); // it did bundle: TF.js, geotiff, h5wasm, fflate ...
    expect(inputs.some((p) => p.includes('geotiff'))).toBe(true);
    expect(inputs.some((p) => p.includes('h5wasm'))).toBe(true);
    // esbuild resolves a built-in only to `(disabled):<name>`, an empty module, when the importing
    // dependency's package.json "browser" field maps it to false (geotiff's `fs`, TF.js's `crypto`):
    // that is the dependency's own browser build. Anything else reaching Node shows up here.
    const nodeModules = [...inputs, ...imports].filter(
      (p) => p.startsWith('node:') || NODE_BUILTINS.has(p),
    );
    expect(nodeModules).toEqual([]);
  }, 120_000);

  it('the check works: the Node entry does reach Node built-ins', async () => {
    const { errors } = await bundleForBrowser(entry('./node.ts'));
    const unresolved = errors.map((e) => e.text).join('\n');
    expect(unresolved).toMatch(/node:fs/);
  }, 120_000);
});
