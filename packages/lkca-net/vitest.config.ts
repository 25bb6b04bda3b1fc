import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The shared config, minus `.tmp/` (git-ignored scratch space, e.g. copies of other revisions of
// the packages made by A/B benchmarks): its tests are not this package's.
export default mergeConfig(
  shared,
  defineConfig({ test: { exclude: [...configDefaults.exclude, '**/.tmp/**'] } }),
);
