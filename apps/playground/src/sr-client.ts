// The page's side of the SR worker: one promise per request, progress callbacks for runs.
import type { FromWorker, Request, ResponseOf, ToWorker } from './worker-protocol.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

export class SrClient {
  private readonly worker = new Worker(new URL('./sr-worker.ts', import.meta.url), {
    type: 'module',
  });
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor() {
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') return p.onProgress?.(m.done, m.total);
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    };
    this.worker.onerror = (e) => {
      const err = new Error(`the SR worker failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /** Sends a request; `id` names it (a run is cancelled by its id). */
  call<T extends Request['type']>(
    req: Extract<Request, { type: T }>,
    onProgress?: (done: number, total: number) => void,
  ): { id: number; result: Promise<ResponseOf[T]> } {
    const id = this.nextId++;
    const result = new Promise<ResponseOf[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
    });
    this.worker.postMessage({ ...req, id } as ToWorker);
    return { id, result };
  }

  request<T extends Request['type']>(req: Extract<Request, { type: T }>): Promise<ResponseOf[T]> {
    return this.call(req).result;
  }
}
