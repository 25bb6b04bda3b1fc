// One tile worker: its own TF.js backend and its own copy of the model (see tile-workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from './io-node.js';
import { selectRuntime } from './runtime.js';
import { modelTileRunner } from './tiled-inference.js';

const port = parentPort!;
try {
  const info = await selectRuntime(workerData.runtime, { winogradConv: workerData.winogradConv });
  const run = modelTileRunner(await loadModel(workerData.modelPath));
  port.postMessage({ type: 'ready', device: `${info.backend}: ${info.device}` });
  port.on('message', async (m) => {
    try {
      const out = await run(new Float32Array(m.data), m.height, m.width, m.bands);
      // The backend's download is normally a fresh array of its own: transfer it without a copy.
      const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
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
