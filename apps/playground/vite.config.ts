import { defineConfig } from 'vite';
import { localAssets } from './vite/local-assets.js';
import { noNodeBuiltins } from './vite/no-node-builtins.js';

// The packages are used as a user would: through their names (browser entries only), resolved to
// their built dist. Nothing is aliased, and a Node built-in reached from the page or the worker
// fails the build (vite/no-node-builtins.ts).
export default defineConfig({
  plugins: [noNodeBuiltins(), localAssets()],
  // Minified, yet error classes keep their names: the page shows `HsiTruncatedError: ...`, not
  // a mangled `Jn: ...` (hsi-data names its errors after their class).
  esbuild: { keepNames: true },
  worker: { format: 'es', plugins: () => [noNodeBuiltins()] },
  // h5wasm (MAT v7.3 reading) is a 4.8 MB chunk of its own, fetched only when a v7.3 file is opened.
  build: { target: 'es2022', chunkSizeWarningLimit: 5120 },
});
