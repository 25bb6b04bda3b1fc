import { WasmKernelError } from './errors.js';

/** Worker threads running jobs of one shared-memory module (threads.h). */
export interface WasmThreads {
  /** Worker threads started (the caller is one more thread). */
  readonly workers: number;
  /** Stops the workers (after the job in flight, if any). */
  close(): Promise<void>;
}

/** Exports a threaded build has (threads.h, stack.S). */
export interface ThreadedExports {
  set_stack_pointer(sp: number): void;
  thread_seq(): number;
  thread_worker(tid: number, seen: number): void;
  thread_set_workers(n: number): void;
  thread_shutdown(): void;
}

// Each worker instantiates the module over the shared memory, moves its stack to its own region,
// reports ready and then lives in thread_worker (sleeping in memory.atomic.wait between jobs).
// Plain script text: the same code runs as a Node eval worker and as a browser Blob worker.
const WORKER_SOURCE = `
const run = (d, post) => {
  try {
    const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
    ex.set_stack_pointer(d.stackTop);
    const seen = ex.thread_seq();
    post({ ready: true });
    ex.thread_worker(d.tid, seen);
    post({ done: true });
  } catch (e) {
    post({ error: String((e && e.message) || e) });
  }
};
if (typeof self !== 'undefined' && typeof self.postMessage === 'function')
  self.onmessage = (e) => run(e.data, (m) => self.postMessage(m));
else {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (d) => run(d, (m) => parentPort.postMessage(m)));
}
`;

interface AnyWorker {
  postMessage(m: unknown): void;
  terminate(): unknown;
  /** Called once the worker is ready: in Node, idle workers must not keep the process alive. */
  started?: () => void;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Whether this engine can share a WebAssembly memory between threads (a browser page needs cross-origin isolation). */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

async function spawn(
  onMessage: (m: any) => void,
  onError: (e: unknown) => void,
): Promise<AnyWorker> {
  if (isNode) {
    const name = 'node:worker_threads';
    const { Worker } = (await import(
      /* @vite-ignore */ name
    )) as typeof import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', onMessage);
    w.on('error', onError);
    return Object.assign(w, { started: () => w.unref() });
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => onError(e);
  return w;
}

/**
 * Starts `stackTops.length` workers over the shared `memory`, worker i (thread id i + 1) with its
 * stack below stackTops[i], and tells the module (thread_set_workers) once all are ready.
 */
export async function startWasmThreads(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  ex: ThreadedExports,
  stackTops: number[],
): Promise<WasmThreads> {
  const workers: AnyWorker[] = [];
  try {
    await Promise.all(
      stackTops.map(
        (stackTop, i) =>
          new Promise<void>((resolve, reject) => {
            const fail = (e: unknown) =>
              reject(
                new WasmKernelError('startWasmThreads', `worker ${i + 1} failed: ${String(e)}`),
              );
            spawn((m) => {
              if (m?.ready) resolve();
              else if (m?.error) fail(m.error);
            }, fail).then((w) => {
              workers.push(w);
              w.postMessage({ module, memory, tid: i + 1, stackTop });
            }, fail);
          }),
      ),
    );
  } catch (e) {
    for (const w of workers) await w.terminate();
    throw e;
  }
  for (const w of workers) w.started?.();
  ex.thread_set_workers(workers.length);
  let closed = false;
  return {
    workers: workers.length,
    async close() {
      if (closed) return;
      closed = true;
      ex.thread_shutdown();
      for (const w of workers) await w.terminate();
    },
  };
}
