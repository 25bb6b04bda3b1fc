// 2. Super-resolve: pick a model (shipped weights, a model folder, IndexedDB, or an untrained
// student) and a runtime, then run tiled SR in the worker with a progress bar and Cancel.
import { fitNormalization } from '@hsrkit/hsi-data';
import { describeError } from '../errors.js';
import { SHIPPED_MODELS, shippedModelPath } from '../shipped-models.js';
import type { SrClient } from '../sr-client.js';
import type { Store } from '../store.js';
import { byId, fmt, h } from '../ui/dom.js';
import {
  bipData,
  type ModelSource,
  type RuntimePreference,
  type RuntimeReport,
} from '../worker-protocol.js';

const X2_NOTE =
  'No trained x2 model ships with hsrkit. Load your own x2 model (a TF.js model folder, or one saved ' +
  "in this browser's IndexedDB), or try the pipeline with an untrained x2 LKCA-Net student: its " +
  'weights are random, so its output is bicubic plus noise, not a reconstruction.';

function runtimeText(r: RuntimeReport): string {
  const chain = r.attempts
    .map((a) => (a.ok ? `${a.runtime} ✓` : `${a.runtime} ✗ (${a.error})`))
    .join(' → ');
  return `Running on ${r.backend.toUpperCase()} (${r.device}). Tried: ${chain}`;
}

export function srPanel(store: Store, client: SrClient): void {
  const scaleSelect = byId<HTMLSelectElement>('scale');
  const modelSelect = byId<HTMLSelectElement>('model-select');
  const folderInput = byId<HTMLInputElement>('model-folder');
  const runtimeSelect = byId<HTMLSelectElement>('runtime');
  const tileInput = byId<HTMLInputElement>('tile');
  const overlapInput = byId<HTMLInputElement>('overlap');
  const runButton = byId<HTMLButtonElement>('run');
  const cancelButton = byId<HTMLButtonElement>('cancel');
  const saveButton = byId<HTMLButtonElement>('idb-save');
  const progress = byId<HTMLProgressElement>('progress');
  const progressText = byId('progress-text');
  const modelInfo = byId('model-info');
  const runtimeInfo = byId('runtime-info');
  const note = byId('scale-note');
  const error = byId('sr-error');
  let idbModels: string[] = [];
  let runId: number | undefined;

  const showError = (e: unknown) => {
    const { name, message } = describeError(e);
    error.textContent = `${name}: ${message}`;
    error.hidden = false;
  };

  const fillModels = () => {
    const scale = Number(scaleSelect.value);
    const shipped = SHIPPED_MODELS.filter((m) => m.scale === scale);
    modelSelect.replaceChildren(
      ...shipped.map((m) => h('option', { value: `shipped:${m.id}` }, m.label)),
      h(
        'option',
        { value: `untrained:${scale}` },
        `Untrained LKCA-Net student x${scale} (random weights)`,
      ),
      ...idbModels.map((k) => h('option', { value: `idb:${k}` }, `IndexedDB: ${k}`)),
      h('option', { value: 'folder' }, 'Your model folder (model.json + weights)…'),
    );
    note.textContent = shipped.length ? '' : X2_NOTE;
    note.hidden = shipped.length > 0;
  };

  const sourceOf = (value: string): ModelSource | undefined => {
    const [kind, rest] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    if (kind === 'shipped')
      return {
        kind: 'url',
        url: `${import.meta.env.BASE_URL}${shippedModelPath(rest)}model.json`,
        label: SHIPPED_MODELS.find((m) => m.id === rest)?.label ?? rest,
      };
    if (kind === 'idb') return { kind: 'indexeddb', key: rest };
    if (kind === 'untrained') {
      const input = store.state.input?.cube;
      if (!input)
        throw new Error('open a cube first: an untrained student is built for its band count');
      return {
        kind: 'untrained',
        scale: Number(rest),
        bands: input.bands,
        normalization: fitNormalization(input, { method: 'global-max' }),
      };
    }
    return undefined;
  };

  const load = async (source: ModelSource) => {
    error.hidden = true;
    store.set({ busy: 'loading the model', model: undefined, run: undefined, lowRank: undefined });
    modelInfo.textContent = 'Loading the model and testing the runtime…';
    try {
      const model = await client.request({
        type: 'load-model',
        source,
        runtime: runtimeSelect.value as RuntimePreference,
      });
      store.set({ model, busy: undefined });
    } catch (e) {
      modelInfo.textContent = 'No model loaded.';
      store.set({ busy: undefined });
      showError(e);
    }
  };

  const loadSelected = () => {
    if (modelSelect.value === 'folder') return folderInput.click();
    try {
      const source = sourceOf(modelSelect.value);
      if (source) load(source);
    } catch (e) {
      showError(e);
    }
  };

  scaleSelect.addEventListener('change', () => {
    fillModels();
    loadSelected();
  });
  modelSelect.addEventListener('change', loadSelected);
  folderInput.addEventListener('change', () => {
    if (folderInput.files?.length) load({ kind: 'files', files: Array.from(folderInput.files) });
    folderInput.value = '';
  });
  runtimeSelect.addEventListener('change', async () => {
    if (!store.state.model) return;
    error.hidden = true;
    try {
      const runtime = await client.request({
        type: 'set-runtime',
        runtime: runtimeSelect.value as RuntimePreference,
      });
      store.set({ model: { ...store.state.model, runtime } });
    } catch (e) {
      showError(e);
    }
  });
  saveButton.addEventListener('click', async () => {
    const model = store.state.model;
    if (!model) return;
    const key = byId<HTMLInputElement>('idb-name').value.trim();
    if (!key) return showError(new Error('give the model a name to save it under'));
    error.hidden = true;
    try {
      await client.request({ type: 'save-model', key });
      idbModels = await client.request({ type: 'list-models' });
      fillModels();
      modelSelect.value = `idb:${key}`;
    } catch (e) {
      showError(e);
    }
  });

  runButton.addEventListener('click', async () => {
    const { input, model } = store.state;
    if (!input || !model) return;
    error.hidden = true;
    const call = client.call(
      {
        type: 'run',
        lr: bipData(input.cube),
        tile: Number(tileInput.value),
        overlap: Number(overlapInput.value),
      },
      (done, total) => {
        progress.max = total;
        progress.value = done;
        progressText.textContent = `tile ${done} / ${total}`;
      },
    );
    runId = call.id;
    store.set({ busy: 'super-resolving', run: undefined, metrics: undefined });
    try {
      const run = await call.result;
      progressText.textContent = run.cancelled
        ? `cancelled after ${run.tiles.done} of ${run.tiles.total} tiles (tensors before ${run.tensorsBefore}, after ${run.tensorsAfter})`
        : `done: ${run.tiles.total} tile${run.tiles.total === 1 ? '' : 's'} in ${fmt(run.ms / 1000, 2)} s on ${run.backend}`;
      store.set({ run, busy: undefined });
    } catch (e) {
      store.set({ busy: undefined });
      progressText.textContent = 'failed';
      showError(e);
    } finally {
      runId = undefined;
    }
  });
  cancelButton.addEventListener('click', () => {
    if (runId !== undefined) client.request({ type: 'cancel', runId });
  });

  store.on((s, changed) => {
    runButton.disabled = !s.input || !s.model || !!s.busy;
    cancelButton.disabled = s.busy !== 'super-resolving';
    saveButton.disabled = !s.model || !!s.busy;
    if (!changed.has('model') || !s.model) return;
    const m = s.model;
    modelInfo.replaceChildren(
      h('strong', {}, m.name),
      ` — ${m.source}; x${m.scale}, ${m.bands} bands, ${fmt(m.params, 0)} params`,
      m.normalization
        ? `; inputs divided by ${m.normalization.scale.join(', ')} as in training`
        : '',
      m.untrained
        ? h(
            'div',
            { class: 'warning' },
            'Untrained: random weights. The output is not a reconstruction.',
          )
        : '',
    );
    runtimeInfo.textContent = runtimeText(m.runtime);
    byId('runtime-badge').textContent = `${m.runtime.backend}`;
  });

  fillModels();
  client
    .request({ type: 'list-models' })
    .then((keys) => {
      idbModels = keys;
      const selected = modelSelect.value;
      fillModels();
      modelSelect.value = selected;
    })
    .catch(() => {});
  loadSelected();
}
