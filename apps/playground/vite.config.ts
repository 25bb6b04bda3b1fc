import { defineConfig } from 'vite';
import { localAssets } from './vite/local-assets.js';
import { nodeShims } from './vite/node-shims.js';

// The packages are used as a user would: through their names, resolved to their built dist.
export default defineConfig({
  plugins: [localAssets()],
  resolve: { alias: nodeShims },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
