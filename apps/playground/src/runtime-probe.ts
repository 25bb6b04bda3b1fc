// What each GPU runtime would run on, asked of the browser before TF.js starts it: the WebGPU
// adapter (vendor, architecture, fallback flag) and the WebGL renderer. A software adapter
// (SwiftShader, llvmpipe, WARP ...) emulates the GPU on the CPU: measured here, the sample's x4 SR
// took 8-10 s on WebGPU/SwiftShader against 0.1 s on WASM, so 'auto' passes such runtimes over.
import type { RuntimeChoice } from './worker-protocol.js';

export interface AdapterInfo {
  /** What the browser says the runtime runs on, as one line. */
  description: string;
  /** A CPU emulation of a GPU (or a browser-flagged fallback adapter). */
  software: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

/** True when an adapter or renderer string names a software (CPU) implementation. */
export function isSoftwareAdapter(text: string): boolean {
  return SOFTWARE.test(text);
}

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

async function webGpuAdapter(): Promise<AdapterInfo | undefined> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return undefined;
  const adapter = (await gpu.requestAdapter()) as {
    info?: GpuAdapterInfoLike;
    isFallbackAdapter?: boolean;
    requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
  } | null;
  if (!adapter) return undefined;
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  const fields = [info.vendor, info.architecture, info.device, info.description].filter(Boolean);
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const description = `${fields.join(' ') || 'unnamed adapter'}${fallback ? ' (fallback adapter)' : ''}`;
  return { description, software: fallback || isSoftwareAdapter(description) };
}

function webGlRenderer(): AdapterInfo | undefined {
  if (typeof OffscreenCanvas === 'undefined') return undefined;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return undefined;
  try {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const description = String(
      gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'WebGL',
    );
    return { description, software: isSoftwareAdapter(description) };
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** The adapter a GPU runtime would use here; undefined for WASM/CPU or when the browser has none. */
export async function adapterOf(runtime: RuntimeChoice): Promise<AdapterInfo | undefined> {
  try {
    if (runtime === 'webgpu') return await webGpuAdapter();
    if (runtime === 'webgl') return webGlRenderer();
  } catch {
    // Asking is best effort: the runtime's own start says what is wrong.
  }
  return undefined;
}
