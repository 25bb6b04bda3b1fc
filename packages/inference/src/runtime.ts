import {
  registerWasmSimdKernels,
  relaxedSimdSupported,
  resetSubPixelModules,
} from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';

/** The runtimes one call can pick. 'auto': node-gpu, node, then wasm in Node; webgpu, webgl, wasm in browsers. */
export type RuntimeName = 'node-gpu' | 'node' | 'webgpu' | 'wasm' | 'webgl' | 'cpu' | 'auto';

export interface RuntimeInfo {
  requested: RuntimeName;
  /** tf.getBackend() after the switch: 'tensorflow', 'webgpu', 'wasm', 'webgl' or 'cpu'. */
  backend: string;
  /** What runs it: adapter name, SIMD/threads, CUDA... */
  device: string;
}

export interface RuntimeOptions {
  /** Folder or URL prefix holding tfjs-backend-wasm's .wasm files (default: the package's dist in Node). */
  wasmPath?: string;
  /** Extra dawn.node flags for WebGPU in Node, e.g. ['backend=vulkan', 'adapter=NVIDIA ...']. */
  dawnFlags?: string[];
  /**
   * How the optional packages (backends, 'webgpu') are imported; default a dynamic `import(name)`.
   * A bundle passes literal imports here so its bundler includes them and they load only when chosen.
   */
  importModule?: (name: string) => Promise<unknown>;
  /**
   * On wasm, run 3x3 convolutions by Winograd F(4x4, 3x3) and 1x1 ones (block-diagonal ones as
   * their blocks) in @hsrkit/layers' own WebAssembly SIMD kernels (registerWasmSimdKernels): same
   * numbers to float32 rounding, 2-4x faster for those layers. For inference: it packs each
   * filter once, so weights that change every step (training) would pay that every step.
   */
  winogradConv?: boolean;
  /**
   * In Node, let WebAssembly use relaxed SIMD (fused multiply-add), which the fused sub-pixel tail
   * (SubPixelTail) runs about 1.5x faster with; default true. Node 22+ has it on; Node 20 has it
   * behind V8's --experimental-wasm-relaxed-simd, which this sets for the process.
   */
  relaxedSimd?: boolean;
}

/**
 * Turns on WebAssembly relaxed SIMD in Node 20 (V8 11.3 has it, behind a flag; V8 flags are
 * process-wide, so worker threads started later have it too). Nothing to do where the engine
 * validates it already (Node 22+, browsers) or in browsers at all.
 */
export async function allowRelaxedSimd(): Promise<boolean> {
  if (relaxedSimdSupported()) return true;
  if (!isNode) return false;
  const v8 = await importNodeBuiltin<typeof import('node:v8')>('v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  resetSubPixelModules();
  return relaxedSimdSupported();
}

/** The runtime cannot start here; says why and what to install. */
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';
  constructor(
    readonly runtime: RuntimeName,
    message: string,
  ) {
    super(`runtime '${runtime}' is unavailable: ${message}`);
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/**
 * A Node built-in, for the branches that run only where `isNode` holds. The specifier is built at
 * run time, so a bundle for the browser does not try to include it (this module is in the
 * browser-safe entry; docs/ARCHITECTURE.md, "Entries").
 */
function importNodeBuiltin<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ `node:${name}`) as Promise<T>;
}

/** Where Debian/Ubuntu chromium ship the SwiftShader Vulkan ICD, a CPU implementation of Vulkan. */
const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

// Each backend is started at most once per process; a failed start is remembered with its reason.
const starts = new Map<string, Promise<string>>();

let importModule: (name: string) => Promise<unknown> = (name) => import(/* @vite-ignore */ name);

async function importOptional<T>(name: string, runtime: RuntimeName, hint: string): Promise<T> {
  try {
    return (await importModule(name)) as T;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|Failed to resolve/.test(msg))
      throw new RuntimeUnavailableError(
        runtime,
        `the optional package '${name}' is not installed. ${hint}`,
      );
    throw new RuntimeUnavailableError(runtime, `'${name}' failed to load: ${msg}`);
  }
}

async function startNode(gpu: boolean): Promise<string> {
  const runtime = gpu ? 'node-gpu' : 'node';
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  await importOptional(
    pkg,
    runtime,
    `Install it next to @tensorflow/tfjs (npm i ${pkg}@4.22); its install downloads libtensorflow${
      gpu ? ' and needs CUDA/cuDNN' : ''
    }. Without it, use --backend wasm (fast CPU) or webgpu.`,
  );
  if (!(await tf.setBackend('tensorflow')))
    throw new RuntimeUnavailableError(runtime, 'the tensorflow backend did not start');
  return gpu ? 'libtensorflow (CUDA)' : 'libtensorflow (CPU)';
}

async function startWasm(opts: RuntimeOptions): Promise<string> {
  // A bundle that imported the backend itself (browsers) has it registered already.
  const wasm = tf.findBackendFactory('wasm')
    ? undefined
    : await importOptional<typeof import('@tensorflow/tfjs-backend-wasm')>(
        '@tensorflow/tfjs-backend-wasm',
        'wasm',
        'npm i @tensorflow/tfjs-backend-wasm@4.22',
      );
  let path = opts.wasmPath;
  if (wasm && !path && isNode) {
    // Node cannot fetch the .wasm by URL: point the backend at its own dist folder on disk.
    const { createRequire } = await importNodeBuiltin<typeof import('node:module')>('module');
    const { dirname, join } = await importNodeBuiltin<typeof import('node:path')>('path');
    const req = createRequire(import.meta.url);
    path = `${join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;
  }
  if (wasm && path) wasm.setWasmPaths(path);
  if (!(await tf.setBackend('wasm')))
    throw new RuntimeUnavailableError('wasm', 'the wasm backend did not start');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `WebAssembly (XNNPACK, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`;
}

/** dawn.node on navigator.gpu: a real GPU through Vulkan, else SwiftShader, else Mesa GL. */
async function installDawn(opts: RuntimeOptions): Promise<string> {
  const dawn = await importOptional<typeof import('webgpu')>(
    'webgpu',
    'webgpu',
    "WebGPU in Node needs the npm package 'webgpu' (dawn.node): npm i webgpu",
  );
  const { existsSync } = await importNodeBuiltin<typeof import('node:fs')>('fs');
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  Object.assign(globalThis, dawn.globals);
  const swiftshader = SWIFTSHADER_ICDS.find((p) => existsSync(p));
  const attempts: {
    label: string;
    env: Record<string, string>;
    flags: string[];
    compat: boolean;
  }[] = [
    // A configured or system Vulkan driver first: on a GPU machine this is the real GPU.
    { label: 'vulkan', env: {}, flags: ['backend=vulkan'], compat: false },
  ];
  if (swiftshader && !process.env.VK_ICD_FILENAMES)
    attempts.push({
      label: 'vulkan/swiftshader',
      env: { VK_ICD_FILENAMES: swiftshader },
      flags: ['backend=vulkan'],
      compat: false,
    });
  attempts.push({
    label: 'opengl/mesa',
    env: { EGL_PLATFORM: 'surfaceless' },
    flags: ['backend=opengl'],
    compat: true,
  });
  const reasons: string[] = [];
  for (const a of attempts) {
    Object.assign(process.env, a.env);
    try {
      const gpu = dawn.create([...a.flags, ...(opts.dawnFlags ?? [])]);
      const level = a.compat ? ({ featureLevel: 'compatibility' } as GPURequestAdapterOptions) : {};
      const adapter = await gpu.requestAdapter(level);
      if (!adapter) {
        reasons.push(`${a.label}: no adapter`);
        continue;
      }
      const info = (adapter as any).info ?? {};
      const wrapped = {
        requestAdapter: (o?: GPURequestAdapterOptions) => gpu.requestAdapter({ ...o, ...level }),
        getPreferredCanvasFormat: () => 'rgba8unorm',
        wgslLanguageFeatures: new Set<string>(),
      };
      const g = globalThis as any;
      if (!g.navigator)
        Object.defineProperty(g, 'navigator', { value: {}, configurable: true, writable: true });
      Object.defineProperty(g.navigator, 'gpu', { value: wrapped, configurable: true });
      return `${a.label}: ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'adapter'}`;
    } catch (e) {
      reasons.push(`${a.label}: ${String((e as Error)?.message ?? e)}`);
    }
  }
  throw new RuntimeUnavailableError('webgpu', `no WebGPU adapter (${reasons.join('; ')})`);
}

async function startWebGpu(opts: RuntimeOptions): Promise<string> {
  let device = 'navigator.gpu';
  const g = globalThis as any;
  if (!g.navigator?.gpu) {
    if (!isNode) throw new RuntimeUnavailableError('webgpu', 'this browser has no navigator.gpu');
    device = await installDawn(opts);
  }
  // The backend module reads navigator.gpu when it loads, so it is imported only now (a browser
  // bundle that imported it itself has it registered already).
  if (!tf.findBackendFactory('webgpu'))
    await importOptional(
      '@tensorflow/tfjs-backend-webgpu',
      'webgpu',
      'npm i @tensorflow/tfjs-backend-webgpu@4.22',
    );
  if (!(await tf.setBackend('webgpu')))
    throw new RuntimeUnavailableError('webgpu', 'the webgpu backend did not start');
  return device;
}

async function startWebGl(): Promise<string> {
  if (isNode)
    throw new RuntimeUnavailableError(
      'webgl',
      'WebGL needs a browser (use webgpu, wasm or node in Node)',
    );
  if (!(await tf.setBackend('webgl')))
    throw new RuntimeUnavailableError('webgl', 'the webgl backend did not start');
  const gl = (tf.backend() as any).gpgpu?.gl as WebGLRenderingContext | undefined;
  return gl ? String(gl.getParameter(gl.RENDERER)) : 'WebGL';
}

/**
 * In Node, tfjs-backend-cpu prints a banner (install tfjs-node "to speed things up") through
 * TF.js's `warn` when it stores its first tensor. Here cpu was asked for, or 'auto' found nothing
 * faster (RuntimeUnavailableError lists why): that first write is made while TF.js's PROD flag is
 * set, which in TF.js 4.22 only silences TF.js's own `log` and `warn`, and the flag is restored at
 * once. Nothing else is silenced and the console is not touched.
 */
function writeFirstCpuTensorQuietly(): void {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    tf.dispose(tf.scalar(0));
  } finally {
    env.set('PROD', prod);
  }
}

async function start(name: Exclude<RuntimeName, 'auto'>, opts: RuntimeOptions): Promise<string> {
  switch (name) {
    case 'node-gpu':
      return startNode(true);
    case 'node':
      return startNode(false);
    case 'wasm':
      return startWasm(opts);
    case 'webgpu':
      return startWebGpu(opts);
    case 'webgl':
      return startWebGl();
    case 'cpu':
      if (!(await tf.setBackend('cpu')))
        throw new RuntimeUnavailableError('cpu', 'the cpu backend did not start');
      if (isNode) writeFirstCpuTensorQuietly();
      return 'JavaScript (tfjs-backend-cpu)';
  }
}

const backendOf: Record<Exclude<RuntimeName, 'auto'>, string> = {
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  webgpu: 'webgpu',
  webgl: 'webgl',
  cpu: 'cpu',
};

/**
 * Picks and starts a TF.js backend: the one call every entry point (CLI, demo, tests) goes through.
 * Returns what was chosen and the device found. Optional packages are imported only here.
 */
export async function selectRuntime(
  name: RuntimeName = 'auto',
  opts: RuntimeOptions = {},
): Promise<RuntimeInfo> {
  if (name === 'auto') {
    const order: Exclude<RuntimeName, 'auto'>[] = isNode
      ? ['node-gpu', 'node', 'wasm', 'cpu']
      : ['webgpu', 'webgl', 'wasm', 'cpu'];
    const failures: string[] = [];
    for (const candidate of order) {
      try {
        const info = await selectRuntime(candidate, opts);
        return { ...info, requested: 'auto' };
      } catch (e) {
        failures.push(String((e as Error).message));
      }
    }
    throw new RuntimeUnavailableError('auto', failures.join('\n'));
  }
  if (!(name in backendOf))
    throw new RuntimeUnavailableError(
      name,
      `unknown runtime; choose one of ${Object.keys(backendOf).join(', ')}, auto`,
    );
  if (opts.importModule) importModule = opts.importModule;
  let started = starts.get(name);
  if (!started) {
    started = start(name, opts);
    starts.set(name, started);
  }
  const device = await started;
  // Switching back to a backend started earlier in this process.
  if (tf.getBackend() !== backendOf[name]) await tf.setBackend(backendOf[name]);
  await tf.ready();
  if ((name === 'wasm' || name === 'cpu') && opts.relaxedSimd !== false) await allowRelaxedSimd();
  if (name === 'wasm' && opts.winogradConv) {
    const build = await registerWasmSimdKernels({
      relaxedSimd: opts.relaxedSimd === false ? false : 'auto',
    });
    const simd = build === 'relaxed' ? 'relaxed SIMD, FMA' : 'SIMD';
    return {
      requested: name,
      backend: tf.getBackend(),
      device: `${device} + @hsrkit/layers kernels (${simd})`,
    };
  }
  return { requested: name, backend: tf.getBackend(), device };
}
