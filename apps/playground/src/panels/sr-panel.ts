// 2. Super-resolve: pick a model (shipped weights, a model folder, IndexedDB, or an untrained
// student) and a runtime, then run tiled SR in the worker with a progress bar and Cancel.
import { fitNormalization } from '@hsrkit/hsi-data';
import { networkInput, restoreNoData } from '../cube-mask.js';
import { describeError, PlaygroundInputError } from '../errors.js';
import {
  SAMPLE_MODEL_ID,
  SHIPPED_MODELS,
  shippedModelPath,
  shippedModelsFor,
} from '../shipped-models.js';
import type { SrClient } from '../sr-client.js';
import type { Store } from '../store.js';
import { byId, fmt, h } from '../ui/dom.js';
import { metricsTable } from '../ui/metrics-table.js';
import {
  bipData,
  type ModelSource,
  type RunResult,
  type RuntimePreference,
  type RuntimeReport,
} from '../worker-protocol.js';

/** Shown for a scale no shipped model has. */
const noShippedNote = (scale: number) =>
  `No trained x${scale} model ships with hsrkit. Load your own x${scale} model (a TF.js model folder, or one saved ` +
  `in this browser's IndexedDB), or try the pipeline with an untrained x${scale} LKCA-Net student: its ` +
  'weights are random, so its output is bicubic plus noise, not a reconstruction.';

/** The runtime line: what runs the model, then each runtime considered and why it was not taken. */
export function runtimeText(r: RuntimeReport): string {
  const chain = r.attempts
    .map((a) => {
      const on = a.adapter ? ` on ${a.adapter}` : '';
      const ms = a.ms !== undefined ? `, ${fmt(a.ms, 1)} ms` : '';
      return a.chosen ? `${a.runtime} ✓${on}${ms}` : `${a.runtime} ✗${on} (${a.error})`;
    })
    .join(' → ');
  const timed = r.timedInput
    ? ` Times: one forward on ${r.timedInput} x ${r.timedInput} pixels.`
    : ' (forced by you)';
  return `Running on ${r.backend.toUpperCase()} (${r.device}).${timed} Considered: ${chain}`;
}

export function srPanel(store: Store, client: SrClient): void {
  const scaleSelect = byId<HTMLSelectElement>('scale');
  const modelSelect = byId<HTMLSelectElement>('model-select');
  const folderInput = byId<HTMLInputElement>('model-folder');
  const runtimeSelect = byId<HTMLSelectElement>('runtime');
  const tileInput = byId<HTMLInputElement>('tile');
  const selfEnsembleInput = byId<HTMLInputElement>('self-ensemble');
  const overlapInput = byId<HTMLInputElement>('overlap');
  const runButton = byId<HTMLButtonElement>('run');
  const cancelButton = byId<HTMLButtonElement>('cancel');
  const saveButton = byId<HTMLButtonElement>('idb-save');
  const progress = byId<HTMLProgressElement>('progress');
  const progressText = byId('progress-text');
  const modelInfo = byId('model-info');
  const runtimeInfo = byId('runtime-info');
  const note = byId('scale-note');
  const fitModels = byId('fit-models');
  const waldButton = byId<HTMLButtonElement>('wald');
  const waldOut = byId('wald-out');
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
    note.textContent = shipped.length ? '' : noShippedNote(scale);
    note.hidden = shipped.length > 0;
  };

  const sourceOf = (value: string): ModelSource | undefined => {
    const [kind, rest] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    if (kind === 'shipped') {
      const shipped = SHIPPED_MODELS.find((m) => m.id === rest);
      const base = `${import.meta.env.BASE_URL}${shippedModelPath(rest)}`;
      const label = shipped?.label ?? rest;
      if (shipped?.stages) {
        const stages = shipped.stages.map((id) => {
          const at = `${import.meta.env.BASE_URL}${shippedModelPath(id)}`;
          return { name: id, url: `${at}model.json`, configUrl: `${at}any-band.json` };
        });
        return { kind: 'any-band-chain', name: shipped.id, label, stages };
      }
      return shipped?.bands === 'any'
        ? { kind: 'any-band', url: `${base}model.json`, configUrl: `${base}any-band.json`, label }
        : { kind: 'url', url: `${base}model.json`, label };
    }
    if (kind === 'idb') return { kind: 'indexeddb', key: rest };
    if (kind === 'untrained') {
      const opened = store.state.input;
      // Built for the cube's band count: waits until a cube is open (then it loads by itself).
      if (!opened) return undefined;
      const filled = { ...opened.cube, data: networkInput(opened.cube, opened.mask) };
      return {
        kind: 'untrained',
        scale: Number(rest),
        bands: opened.cube.bands,
        normalization: fitNormalization(filled, { method: 'global-max' }),
      };
    }
    return undefined;
  };

  // Only the latest load may set the model (an earlier one can finish later).
  let loadCount = 0;
  const load = async (source: ModelSource) => {
    const mine = ++loadCount;
    error.hidden = true;
    store.set({ busy: 'loading the model', model: undefined, run: undefined, lowRank: undefined });
    modelInfo.textContent = 'Loading the model and testing the runtime…';
    try {
      const model = await client.request({
        type: 'load-model',
        source,
        runtime: runtimeSelect.value as RuntimePreference,
      });
      if (mine === loadCount) store.set({ model, busy: undefined });
    } catch (e) {
      if (mine !== loadCount) return;
      modelInfo.textContent = 'No model loaded.';
      store.set({ busy: undefined });
      showError(e);
    }
  };

  const loadSelected = () => {
    if (modelSelect.value === 'folder') return folderInput.click();
    try {
      const source = sourceOf(modelSelect.value);
      if (source) return load(source);
      // Nothing to load yet (an untrained student before a cube is open): no stale model.
      loadCount++;
      error.hidden = true;
      store.set({
        model: undefined,
        run: undefined,
        lowRank: undefined,
        ...(store.state.busy === 'loading the model' ? { busy: undefined } : {}),
      });
      modelInfo.textContent = `An untrained x${scaleSelect.value} student is built for the cube's band count when you open a cube.`;
    } catch (e) {
      showError(e);
    }
  };

  scaleSelect.addEventListener('change', () => {
    fillModels();
    loadSelected();
  });
  // A model the user picks by hand since the last cube opened is kept when the next cube arrives
  // (the sample may arrive after the pick: it would otherwise select its own model over it).
  let pickedSinceInput = false;
  modelSelect.addEventListener('change', () => {
    pickedSinceInput = true;
    loadSelected();
  });
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

  const onProgress = (done: number, total: number) => {
    progress.max = total;
    progress.value = done;
    progressText.textContent = `tile ${done} / ${total}`;
  };
  const finished = (run: RunResult) => {
    progress.max = run.tiles.total;
    progress.value = run.tiles.done;
    progressText.textContent = run.cancelled
      ? `cancelled after ${run.tiles.done} of ${run.tiles.total} tiles (tensors before ${run.tensorsBefore}, after ${run.tensorsAfter})`
      : `done: ${run.tiles.total} tile${run.tiles.total === 1 ? '' : 's'} in ${fmt(run.ms / 1000, 2)} s on ${run.backend}${run.selfEnsemble ? ', self-ensemble x8' : ''}`;
  };
  const tiling = () => ({
    tile: Number(tileInput.value),
    overlap: Number(overlapInput.value),
    selfEnsemble: selfEnsembleInput.checked,
  });

  runButton.addEventListener('click', async () => {
    const { input, model } = store.state;
    if (!input || !model) return;
    error.hidden = true;
    // Bad bands and no-data samples are filled before the network (src/cube-mask.ts).
    const lr = { ...bipData(input.cube), data: networkInput(input.cube, input.mask) };
    const call = client.call({ type: 'run', lr, ...tiling() }, onProgress);
    runId = call.id;
    store.set({ busy: 'super-resolving', run: undefined, metrics: undefined });
    try {
      const run = await call.result;
      finished(run);
      if (store.state.input !== input)
        throw new PlaygroundInputError('the cube changed during the run: its result was dropped');
      // No-data back where the input had none (bad bands, samples whose LR parent was no-data).
      if (run.sr && run.bicubic) {
        run.sr = { ...run.sr, data: restoreNoData(run.sr, input.cube, input.mask, run.scale) };
        run.bicubic = {
          ...run.bicubic,
          data: restoreNoData(run.bicubic, input.cube, input.mask, run.scale),
        };
      }
      store.set({ run, busy: undefined });
    } catch (e) {
      store.set({ busy: undefined });
      progressText.textContent = 'failed';
      showError(e);
    } finally {
      runId = undefined;
    }
  });

  waldButton.addEventListener('click', async () => {
    const { input, model } = store.state;
    if (!input || !model) return;
    error.hidden = true;
    waldOut.replaceChildren();
    const call = client.call(
      {
        type: 'wald',
        lr: { ...bipData(input.cube), data: networkInput(input.cube, input.mask) },
        original: bipData(input.cube),
        goodBands: input.mask.goodBands,
        noDataValue: input.mask.noDataValue,
        ...tiling(),
      },
      onProgress,
    );
    runId = call.id;
    store.set({ busy: "running Wald's check", wald: undefined });
    try {
      const wald = await call.result;
      finished(wald.run);
      store.set({ wald, busy: undefined });
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
    waldButton.disabled = !s.input || !s.model || !!s.busy;
    cancelButton.disabled = !store.running;
    saveButton.disabled = !s.model || !!s.busy;
    if (changed.has('input') || changed.has('model')) showFit();
    if (changed.has('input') && s.input) {
      const selected = SHIPPED_MODELS.find((m) => modelSelect.value === `shipped:${m.id}`);
      const fits = shippedModelsFor(s.input.cube.bands).filter(
        (m) => m.scale === Number(scaleSelect.value),
      );
      const sampleModel = fits.find((m) => m.id === SAMPLE_MODEL_ID);
      const userPick =
        pickedSinceInput &&
        ((selected && fits.includes(selected)) || modelSelect.value.startsWith('untrained:'));
      pickedSinceInput = false;
      if (s.inputIsSample && sampleModel && !userPick) {
        // The embedded sample opens with the model made for its scene.
        if (modelSelect.value !== `shipped:${sampleModel.id}`) {
          modelSelect.value = `shipped:${sampleModel.id}`;
          loadSelected();
        }
      } else if (modelSelect.value.startsWith('untrained:')) loadSelected();
      else if (selected && !fits.includes(selected) && fits.length) {
        // The shipped model in use does not take this cube: the one that does (any-band).
        modelSelect.value = `shipped:${fits[0].id}`;
        loadSelected();
      }
    }
    if (changed.has('wald') || changed.has('input')) showWald();
    if (!changed.has('model') || !s.model) return;
    const m = s.model;
    modelInfo.replaceChildren(
      h('strong', {}, m.name),
      ` — ${m.source}; x${m.scale}, ${m.anyBand ? `any band count (groups of ${m.bands} bands)` : `${m.bands} bands`}, ${fmt(m.params, 0)} params`,
      m.stages
        ? `; runs ${m.stages.map((st) => `${st.name} (x${st.scale})`).join(' then ')}, each on the one before's output`
        : '',
      m.normalization
        ? m.untrained
          ? `; inputs divided by ${m.normalization.scale.join(', ')} (the cube's peak)`
          : `; inputs divided by ${m.normalization.scale.join(', ')} as in training`
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

  /** Which models fit the opened cube's band count, before anything runs. */
  function showFit(): void {
    const { input, model } = store.state;
    if (!input) {
      fitModels.textContent = '';
      return;
    }
    const bands = input.cube.bands;
    const items: (Node | string)[] = [];
    for (const m of SHIPPED_MODELS) {
      const ok = m.bands === bands || m.bands === 'any';
      items.push(
        h(
          'span',
          { class: ok ? 'fit-ok' : 'fit-no', 'data-model': m.id },
          `${ok ? '✓' : '✗'} ${m.id} (x${m.scale}, ${m.bands === 'any' ? 'any band count' : `${m.bands} bands`})`,
        ),
        ' · ',
      );
    }
    items.push(
      h(
        'span',
        { class: 'fit-ok' },
        `✓ an untrained student built for ${bands} bands (random weights)`,
      ),
    );
    if (model && !model.anyBand && model.bands !== bands)
      items.push(
        h(
          'div',
          { class: 'warning' },
          `The loaded model takes ${model.bands} bands; this cube has ${bands}.`,
        ),
      );
    fitModels.replaceChildren(`Models for ${bands} bands: `, ...items);
  }

  function showWald(): void {
    const { wald, model } = store.state;
    if (!wald) return void waldOut.replaceChildren();
    if (!wald.metrics) {
      waldOut.replaceChildren(h('p', { class: 'hint' }, "Wald's check cancelled."));
      return;
    }
    const [dr, dc] = wald.degraded ?? [0, 0];
    const [rr, rc] = wald.reference ?? [0, 0];
    waldOut.replaceChildren(
      metricsTable([
        [model?.name ?? 'SR', wald.metrics.sr],
        ['bicubic', wald.metrics.bicubic],
      ]),
      h(
        'p',
        { class: 'hint' },
        `Wald's protocol: the opened cube (${rr} x ${rc}) degraded x1/${wald.run.scale} to ${dr} x ${dc}, ` +
          `super-resolved back and scored against it: sspsr preset, ${wald.metrics.bands} good bands, ` +
          `data range ${fmt(wald.metrics.dataRange)} (the cube's peak). It measures the model one scale down, ` +
          'not on the cube itself.',
      ),
    );
  }

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
