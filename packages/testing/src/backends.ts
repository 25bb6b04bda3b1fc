import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

const require = createRequire(import.meta.url);

/** Where Debian's chromium ships the SwiftShader Vulkan ICD (a CPU implementation of Vulkan). */
const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

export interface WebGpuStatus {
  ok: boolean;
  /** Adapter description when ok, the reason it failed otherwise. */
  detail: string;
}

let wasmInit: Promise<void> | undefined;
let webgpuInit: Promise<WebGpuStatus> | undefined;

async function initWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Node has no fetch of relative URLs: point the backend at its own dist folder on disk.
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
}

/**
 * Puts a WebGPU implementation (dawn.node from the npm `webgpu` package) on `navigator.gpu`.
 * First choice is Vulkan, with SwiftShader's software ICD when no ICD is configured; the
 * fallback is Mesa's OpenGL (llvmpipe) through dawn's compatibility mode.
 */
async function initWebGpu(): Promise<WebGpuStatus> {
  const reasons: string[] = [];
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (e) {
    return { ok: false, detail: `npm package 'webgpu' (dawn.node) did not load: ${String(e)}` };
  }
  Object.assign(globalThis, dawn.globals);
  const attempts: { label: string; env: Record<string, string>; flags: string[]; compat: boolean }[] =
    [];
  const icd = process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICDS.find((p) => existsSync(p));
  attempts.push({
    label: `vulkan (${icd ?? 'system ICD'})`,
    env: icd ? { VK_ICD_FILENAMES: icd } : {},
    flags: ['backend=vulkan'],
    compat: false,
  });
  attempts.push({
    label: 'opengl (Mesa, compatibility mode)',
    env: { EGL_PLATFORM: 'surfaceless' },
    flags: ['backend=opengl'],
    compat: true,
  });
  for (const a of attempts) {
    Object.assign(process.env, a.env);
    try {
      const gpu = dawn.create(a.flags);
      const adapter = await gpu.requestAdapter(
        a.compat ? ({ featureLevel: 'compatibility' } as GPURequestAdapterOptions) : undefined,
      );
      if (!adapter) {
        reasons.push(`${a.label}: no adapter`);
        continue;
      }
      // tfjs asks navigator.gpu for an adapter with its own options: keep our choice of level.
      const wrapped = {
        requestAdapter: (opts?: GPURequestAdapterOptions) =>
          gpu.requestAdapter(
            a.compat ? ({ ...opts, featureLevel: 'compatibility' } as GPURequestAdapterOptions) : opts,
          ),
        getPreferredCanvasFormat: () => 'rgba8unorm',
        wgslLanguageFeatures: new Set<string>(),
      };
      const nav = (globalThis as any).navigator ?? {};
      Object.defineProperty(nav, 'gpu', { value: wrapped, configurable: true });
      if (!(globalThis as any).navigator)
        Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true });
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) {
        reasons.push(`${a.label}: tfjs webgpu backend failed to initialise`);
        continue;
      }
      const info = (adapter as any).info ?? {};
      return { ok: true, detail: `${a.label}: ${info.description || info.vendor || 'adapter'}` };
    } catch (e) {
      reasons.push(`${a.label}: ${String(e)}`);
    }
  }
  return { ok: false, detail: reasons.join('; ') };
}

/** Starts (once) and selects a backend. Throws with the reason when it cannot start. */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'cpu') {
    await tf.setBackend('cpu');
  } else if (name === 'wasm') {
    wasmInit ??= initWasm();
    await wasmInit;
    await tf.setBackend('wasm');
  } else {
    webgpuInit ??= initWebGpu();
    const status = await webgpuInit;
    if (!status.ok) throw new Error(`WebGPU could not start on this machine: ${status.detail}`);
    await tf.setBackend('webgpu');
  }
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`asked for backend ${name}, got ${tf.getBackend()}`);
}

/** Whether WebGPU starts here, and on which adapter (or why not). */
export async function webgpuStatus(): Promise<WebGpuStatus> {
  webgpuInit ??= initWebGpu();
  return webgpuInit;
}
