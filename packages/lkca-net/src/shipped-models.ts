// Node-only: the models shipped in this package's assets/models/, listed by name (`lkca models`)
// and resolved from a name or a folder (`lkca upscale --model NAME|DIR`). A folder is a TF.js
// model (model.json + weights; hsrkit metadata in userDefinedMetadata) or an any-band model
// (the same plus any-band.json; src/any-band/io-node.ts). docs/ARCHITECTURE.md, "Where each
// concept lives".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the shipped models live (inside the installed package). */
export const SHIPPED_MODELS_DIR = fileURLToPath(new URL('../assets/models/', import.meta.url));

export interface ShippedModel {
  name: string;
  /** The model folder. */
  path: string;
  kind: 'band-specific' | 'any-band';
  scale: number;
  /** The band count the model takes, or 'any'. */
  bands: number | 'any';
  /** Trainable parameters (from the weights manifest). */
  params: number;
  /** What it was trained on, as recorded with the weights. */
  trainedOn: string;
  /** Scores recorded with the weights on data held out from training (metric -> value). */
  heldOut: Record<string, number> | null;
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}

interface WeightSpec {
  shape: number[];
}

function paramsOf(modelJson: { weightsManifest?: { weights: WeightSpec[] }[] }): number {
  let n = 0;
  for (const group of modelJson.weightsManifest ?? [])
    for (const w of group.weights) n += w.shape.reduce((a, b) => a * b, 1);
  return n;
}

function numbersOf(x: unknown): Record<string, number> | null {
  if (!x || typeof x !== 'object') return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'number') out[k] = v;
  return Object.keys(out).length > 0 ? out : null;
}

function describeTraining(t: Record<string, unknown> | undefined): string {
  if (!t) return 'not recorded';
  if (typeof t.data === 'string') return t.data;
  if (Array.isArray(t.data)) return (t.data as unknown[]).map(String).join(', ');
  if (typeof t.scene === 'string') return t.scene;
  const hold = t.holdOut as { row: number; col: number; rows: number; cols: number } | undefined;
  const parts = [`${t.steps ?? '?'} steps`];
  if (t.teacher) parts.push(`distilled from ${t.teacher}`);
  if (hold)
    parts.push(
      `the demo scene minus rows ${hold.row}-${hold.row + hold.rows - 1}, cols ${hold.col}-${hold.col + hold.cols - 1}`,
    );
  return parts.join(', ');
}

/** Reads one model folder's description; null when the folder holds no model.json. */
export function describeModelFolder(path: string, name: string): ShippedModel | null {
  const modelFile = join(path, 'model.json');
  if (!existsSync(modelFile)) return null;
  const modelJson = JSON.parse(readFileSync(modelFile, 'utf8'));
  const params = paramsOf(modelJson);
  const anyBandFile = join(path, 'any-band.json');
  if (existsSync(anyBandFile)) {
    const cfg = JSON.parse(readFileSync(anyBandFile, 'utf8'));
    const training = cfg.training as Record<string, unknown> | undefined;
    return {
      name: cfg.name ?? name,
      path,
      kind: 'any-band',
      scale: cfg.scale,
      bands: 'any',
      params,
      trainedOn: describeTraining(training),
      heldOut: numbersOf(training?.heldOut ?? training?.heldOutMean ?? training?.validation),
    };
  }
  const meta = modelJson.userDefinedMetadata?.hsrkit ?? {};
  const inputShape = modelJson.modelTopology?.config?.layers?.[0]?.config?.batch_input_shape as
    | number[]
    | undefined;
  return {
    name,
    path,
    kind: 'band-specific',
    scale: meta.scale,
    bands: meta.bands ?? inputShape?.[inputShape.length - 1],
    params,
    trainedOn: describeTraining(meta.training),
    heldOut: numbersOf(meta.training?.validation),
  };
}

/** Every model shipped with the package, sorted by name. */
export function listShippedModels(dir = SHIPPED_MODELS_DIR): ShippedModel[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort()
    .map((n) => describeModelFolder(join(dir, n), n))
    .filter((m): m is ShippedModel => m !== null);
}

/**
 * A model given as a folder (or its model.json) or as a shipped model's name. A path that exists
 * wins over a name, so a user's folder is never shadowed by ours.
 */
export function resolveModel(nameOrPath: string, dir = SHIPPED_MODELS_DIR): ShippedModel {
  if (existsSync(nameOrPath)) {
    const folder = statSync(nameOrPath).isDirectory() ? nameOrPath : join(nameOrPath, '..');
    const found = describeModelFolder(folder, nameOrPath);
    if (!found) throw new ModelNotFoundError(`${nameOrPath}: no model.json in that folder`);
    return found;
  }
  const shipped = listShippedModels(dir);
  const hit = shipped.find((m) => m.name === nameOrPath);
  if (hit) return hit;
  throw new ModelNotFoundError(
    `'${nameOrPath}' is neither a model folder nor a shipped model (shipped: ${shipped.map((m) => m.name).join(', ') || 'none'})`,
  );
}

/** `resolveModel` for the paths that run a plain TF.js model (upscale, demo): an any-band model
 * needs its own runner (src/any-band/), so it is refused by name here rather than misread. */
export function resolveBandSpecificModel(nameOrPath: string, dir = SHIPPED_MODELS_DIR): string {
  const m = resolveModel(nameOrPath, dir);
  if (m.kind === 'any-band')
    throw new ModelNotFoundError(
      `${m.name} is an any-band model: run it with the any-band API of @hsrkit/lkca-net (src/any-band), not as a plain TF.js model`,
    );
  return m.path;
}
