// Node-only: a resumable any-band training checkpoint is a model folder (saveAnyBandModel) plus
// the optimizer's slots (optimizer.json + optimizer.bin) and the run's state (state.json), written
// to a temporary folder and renamed over the old one, so a killed run leaves the previous one whole.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AnyBandSR } from './any-band-model.js';
import { AnyBandConfigError } from './errors.js';
import { checkModelOutputDir, loadAnyBandModel, saveAnyBandModel } from './io-node.js';
import type { AnyBandSnapshot, AnyBandTrainingState, NamedWeight } from './train.js';

const OPTIMIZER_MANIFEST = 'optimizer.json';
const OPTIMIZER_DATA = 'optimizer.bin';
const STATE_FILE = 'state.json';

/** Writes `snap` to `dir` (replacing a previous checkpoint there atomically). */
export async function saveAnyBandCheckpoint(
  dir: string,
  snap: AnyBandSnapshot,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await saveAnyBandModel(snap.model, tmp);
  const manifest = snap.optimizer.map((w) => ({
    name: w.name,
    shape: w.tensor.shape,
    dtype: w.tensor.dtype,
  }));
  const parts = await Promise.all(snap.optimizer.map((w) => w.tensor.data()));
  const all = new Float32Array(parts.reduce((a: number, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  await writeFile(join(tmp, OPTIMIZER_MANIFEST), JSON.stringify(manifest));
  await writeFile(join(tmp, OPTIMIZER_DATA), new Uint8Array(all.buffer));
  await writeFile(join(tmp, STATE_FILE), JSON.stringify({ ...extra, ...snap.state }, null, 1));
  await checkModelOutputDir(dir);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

export interface LoadedAnyBandCheckpoint {
  model: AnyBandSR;
  state: AnyBandTrainingState;
  /** The caller disposes these after handing them to trainAnyBand (which copies them). */
  optimizer: NamedWeight[];
}

/** Reads a checkpoint written by saveAnyBandCheckpoint; a typed error names the file at fault. */
export async function loadAnyBandCheckpoint(dir: string): Promise<LoadedAnyBandCheckpoint> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (e) {
      throw new AnyBandConfigError(join(dir, name), `cannot read: ${(e as Error).message}`);
    }
  };
  const state = JSON.parse((await read(STATE_FILE)).toString('utf8')) as AnyBandTrainingState;
  if (!Number.isInteger(state.step) || !Number.isFinite(state.seconds))
    throw new AnyBandConfigError(join(dir, STATE_FILE), 'no step/seconds: not a checkpoint state');
  const manifest = JSON.parse((await read(OPTIMIZER_MANIFEST)).toString('utf8')) as {
    name: string;
    shape: number[];
    dtype?: tf.DataType;
  }[];
  const buf = await read(OPTIMIZER_DATA);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const total = manifest.reduce((a, m) => a + m.shape.reduce((x, y) => x * y, 1), 0);
  if (total !== all.length)
    throw new AnyBandConfigError(
      join(dir, OPTIMIZER_DATA),
      `${all.length} values, the manifest lists ${total}`,
    );
  const model = await loadAnyBandModel(dir);
  let off = 0;
  const optimizer = manifest.map((m) => {
    const n = m.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(all.subarray(off, off + n), m.shape, m.dtype ?? 'float32');
    off += n;
    return { name: m.name, tensor };
  });
  return { model, state, optimizer };
}
