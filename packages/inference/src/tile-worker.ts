// One tile worker: its own TF.js backend and its own copy of the model (see tile-workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from './model-files.js';
import { selectRuntime } from './runtime.js';
import { fusedTileRunner } from './fused-tail-runner.js';
import { accumulateShared } from './tile-sink.js';
import { weightedRows } from './tile-plan.js';
import { modelTileRunner, type TileRunner } from './tiled-inference.js';

const port = parentPort!;
try {
  const info = await selectRuntime(workerData.runtime, {
    winogradConv: workerData.winogradConv,
    relaxedSimd: workerData.relaxedSimd,
  });
  // A runner module (another kind of model) builds its own runner; else the model is loaded here.
  const custom: TileRunner | undefined = workerData.runnerModule
    ? await (await import(workerData.runnerModule.module)).createTileRunner(
        workerData.runnerModule.data,
      )
    : undefined;
  const model = custom ? undefined : await loadModel(workerData.modelPath);
  // A view of the tail's output suffices: each tile is added or copied out before the next runs.
  const fused =
    model && workerData.fusedTail
      ? await fusedTileRunner(model, {
          view: true,
          relaxedSimd: workerData.relaxedSimd === false ? false : 'auto',
        })
      : null;
  const run = custom ?? fused?.runner ?? modelTileRunner(model!);
  const tail = fused?.simd
    ? `, sub-pixel tail fused (wasm ${fused.simd})`
    : custom
      ? `, tiles by ${workerData.runnerModule.module.split('/').pop()}`
      : '';
  port.postMessage({ type: 'ready', device: `${info.backend}: ${info.device}${tail}` });
  // Further runners of the runner module, one per input that needs its own (pool.runnerWith).
  const runners = new Map<number, TileRunner>();
  const moduleUrl: string | undefined = workerData.runnerModule?.module;
  port.on('message', async (m) => {
    if (m.type === 'release') {
      runners.delete(m.runnerId);
      return;
    }
    try {
      if (m.type === 'configure') {
        runners.set(m.runnerId, await (await import(moduleUrl!)).createTileRunner(m.config));
        port.postMessage({ type: 'configured', id: m.id });
        return;
      }
      const runFor = m.runnerId ? runners.get(m.runnerId) : run;
      if (!runFor)
        throw new Error(`tile for runner ${m.runnerId}, which this worker does not have`);
      const rows: [number, number] | undefined =
        m.type === 'tile-into' ? weightedRows(m.wy, m.window.height / m.height) : m.rows;
      const out = await runFor(new Float32Array(m.data), m.height, m.width, m.bands, rows);
      if (m.type === 'tile-into') {
        // Straight into the sink's shared output, under its row locks.
        accumulateShared(m.out, m.window, out, m.wy, m.wx);
        port.postMessage({ type: 'done', id: m.id });
        return;
      }
      // The backend's download is normally a fresh array of its own: transfer it without a copy
      // (the fused tail's is a view of its memory: copied).
      const own = !fused && out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
      const data = own ? out : out.slice();
      port.postMessage({ type: 'result', id: m.id, data: data.buffer }, [
        data.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, error: String((e as Error)?.message ?? e) });
    }
  });
} catch (e) {
  port.postMessage({ type: 'init-error', error: String((e as Error)?.message ?? e) });
}
