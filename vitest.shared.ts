import { defineConfig } from 'vitest/config';

/** Shared by every package's vitest.config.ts: resolve workspace packages to their TypeScript
 * sources ('source' export condition), one fork (TF.js backends are process-global), long timeouts
 * for the WASM and SwiftShader WebGPU backends on 2-core CI machines. */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
});
