import { beforeAll, describe } from 'vitest';
import { ALL_BACKENDS, type BackendName, useBackend } from './backends.js';

const skipWebGpu = process.env.HSRKIT_SKIP_WEBGPU === '1';

/**
 * Defines the same suite once per backend. WebGPU that cannot start FAILS the suite with the
 * reason; only an explicit HSRKIT_SKIP_WEBGPU=1 skips it, and then it says so on stderr.
 */
export function describeBackends(
  title: string,
  body: (backend: BackendName) => void,
  backends: readonly BackendName[] = ALL_BACKENDS,
): void {
  for (const backend of backends) {
    if (backend === 'webgpu' && skipWebGpu) {
      console.warn(`\n!!! ${title} [webgpu] SKIPPED: HSRKIT_SKIP_WEBGPU=1 is set !!!\n`);
      describe.skip(`${title} [webgpu]`, () => body(backend));
      continue;
    }
    describe(`${title} [${backend}]`, () => {
      beforeAll(async () => {
        await useBackend(backend);
      });
      body(backend);
    });
  }
}
