// Bundles scripts/gpu-bench.ts (inference) and scripts/gpu-train-bench.ts (training) into one ESM
// file each for a GPU machine that has Node but no npm access:
//   node scripts/bundle-gpu-bench.mjs <outdir>
// <outdir> gets gpu-bench.mjs and gpu-train-bench.mjs, the TF.js .wasm binaries (pass
// --wasm-path <outdir>/ to either), the PyTorch peers (pytorch_speed.py, pytorch_train_step.py,
// pytorch_reference.py), and node_modules/webgpu (dawn.node for linux-x64 only).
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/bundle-gpu-bench.mjs <outdir>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    'gpu-bench': join(here, 'gpu-bench.ts'),
    'gpu-train-bench': join(here, 'gpu-train-bench.ts'),
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  conditions: ['source'],
  // ESM entry points everywhere: one copy of tfjs-core for tfjs and both backends.
  mainFields: ['module', 'main'],
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  // CommonJS dependencies call require() for Node built-ins; emscripten's loader reads __dirname.
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "import { fileURLToPath as __fu } from 'node:url';",
      "import { dirname as __dn } from 'node:path';",
      'const require = __cr(import.meta.url);',
      'const __filename = __fu(import.meta.url);',
      'const __dirname = __dn(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
});
const wasmDist = join(
  dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'dist',
);
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
])
  cpSync(join(wasmDist, f), join(out, f));
for (const f of ['pytorch_speed.py', 'pytorch_reference.py']) cpSync(join(here, f), join(out, f));
cpSync(join(here, '../bench/pytorch_train_step.py'), join(out, 'pytorch_train_step.py'));
const webgpu = dirname(require.resolve('webgpu/package.json'));
const dst = join(out, 'node_modules', 'webgpu');
for (const f of ['package.json', 'index.js', 'dist/linux-x64/dawn.node'])
  cpSync(join(webgpu, f), join(dst, f), { recursive: true });
console.log(`bundled into ${out}`);
