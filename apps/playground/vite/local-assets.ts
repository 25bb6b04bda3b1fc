// Serves the TF.js .wasm binaries and the shipped model from the installed packages, in dev and
// in the build output, so the app never fetches from a CDN: `tfjs-wasm/*.wasm` and
// `models/<id>/{model.json,weights.*.bin}` under the app's base URL.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { SHIPPED_MODELS, shippedModelPath, WASM_PATH } from '../src/shipped-models.js';

interface Asset {
  /** Path under the base URL. */
  url: string;
  file: string;
}

function assetList(): Asset[] {
  const require = createRequire(import.meta.url);
  const wasmDir = join(
    dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  const lkcaDir = dirname(require.resolve('@hsrkit/lkca-net/package.json'));
  const assets: Asset[] = readdirSync(wasmDir)
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => ({ url: `${WASM_PATH}${f}`, file: join(wasmDir, f) }));
  for (const m of SHIPPED_MODELS) {
    const dir = join(lkcaDir, m.packageFolder);
    for (const f of readdirSync(dir))
      assets.push({ url: `${shippedModelPath(m.id)}${f}`, file: join(dir, f) });
  }
  return assets;
}

const contentType = (file: string) =>
  file.endsWith('.wasm')
    ? 'application/wasm'
    : file.endsWith('.json')
      ? 'application/json'
      : 'application/octet-stream';

export function localAssets(): Plugin {
  let assets: Asset[] = [];
  let base = '/';
  return {
    name: 'hsrkit-local-assets',
    configResolved(config) {
      base = config.base;
      assets = assetList();
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0];
        const asset = url.startsWith(base)
          ? assets.find((a) => a.url === url.slice(base.length))
          : undefined;
        if (!asset) return next();
        res.setHeader('content-type', contentType(asset.file));
        res.end(readFileSync(asset.file));
      });
    },
    generateBundle() {
      for (const a of assets)
        this.emitFile({ type: 'asset', fileName: a.url, source: readFileSync(a.file) });
    },
  };
}
