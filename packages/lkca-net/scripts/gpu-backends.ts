// The backends' modules as literal imports, for selectRuntime's `importModule`: a bundle
// (scripts/bundle-gpu-bench.mjs) then carries both backends (scripts/gpu-bench.ts,
// scripts/gpu-train-bench.ts).
export const importBackendModule = (name: string): Promise<unknown> => {
  if (name === '@tensorflow/tfjs-backend-webgpu') return import('@tensorflow/tfjs-backend-webgpu');
  if (name === '@tensorflow/tfjs-backend-wasm') return import('@tensorflow/tfjs-backend-wasm');
  return import(name);
};
