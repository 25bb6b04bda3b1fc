// Node-only: the models shipped in this package's assets/models/, listed by name (`lkca models`)
// and resolved from a name or a folder (`lkca upscale --model NAME|DIR`). A folder is a TF.js
// model (model.json + weights; hsrkit metadata in userDefinedMetadata) or an any-band model
// (the same plus any-band.json; src/any-band/io-node.ts). docs/ARCHITECTURE.md, "Where each
// concept lives".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CASCADE_FILE,
  CascadeConfigError,
  cascadeStageFolders,
  readCascadeConfig,
} from './model-cascade.js';

/** Where the shipped models live (inside the installed package). */
export const SHIPPED_MODELS_DIR = fileURLToPath(new URL('../assets/models/', import.meta.url));

export interface ShippedModel {
  name: string;
  /** The model folder. */
  path: string;
  /** 'cascade': models run one after another (src/model-cascade.ts), `stages` in order. */
  kind: 'band-specific' | 'any-band' | 'cascade';
  scale: number;
  /** The band count the model takes, or 'any'. */
  bands: number | 'any';
  /** Trainable parameters (from the weights manifest). */
  params: number;
  /** What it was trained on, as recorded with the weights. */
  trainedOn: string;
  /** Scores recorded with the weights on data held out from training (metric -> value). */
  heldOut: Record<string, number> | null;
  /** `heldOut` in one form: means over its scenes, beside bicubic's where it was recorded. */
  heldOutMean: HeldOutMean | null;
  /** A cascade's models, in the order they run. */
  stages?: ShippedModel[];
}

/** Held-out MPSNR and SAM, means over the scenes a model was scored on. */
export interface HeldOutMean {
  /** The scenes (empty: one hold-out, described by `on` where recorded). */
  scenes: string[];
  /** Where a single hold-out is, as recorded with the weights. */
  on?: string;
  mpsnr: number;
  sam: number;
  bicubicMpsnr?: number;
  bicubicSam?: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * One summary of the two ways scores are recorded: per scene (`"<scene> mpsnr"`, `"<scene> mpsnr
 * bicubic"`, any-band models scored on several sensors) or flat (`mpsnr`, `sam`, `bicubicMpsnr`,
 * `bicubicSam`). Bicubic's means are given only when every scene has them.
 */
export function heldOutMean(h: Record<string, number> | null, on?: string): HeldOutMean | null {
  if (!h) return null;
  const perScene = Object.keys(h)
    .map((k) => /^(.+) mpsnr$/.exec(k)?.[1])
    .filter((s): s is string => s !== undefined && typeof h[`${s} sam`] === 'number');
  if (perScene.length > 0) {
    const out: HeldOutMean = {
      scenes: perScene,
      mpsnr: mean(perScene.map((s) => h[`${s} mpsnr`])),
      sam: mean(perScene.map((s) => h[`${s} sam`])),
    };
    if (perScene.every((s) => typeof h[`${s} mpsnr bicubic`] === 'number'))
      out.bicubicMpsnr = mean(perScene.map((s) => h[`${s} mpsnr bicubic`]));
    if (perScene.every((s) => typeof h[`${s} sam bicubic`] === 'number'))
      out.bicubicSam = mean(perScene.map((s) => h[`${s} sam bicubic`]));
    return out;
  }
  if (typeof h.mpsnr !== 'number' || typeof h.sam !== 'number') return null;
  return {
    scenes: [],
    ...(on ? { on } : {}),
    mpsnr: h.mpsnr,
    sam: h.sam,
    ...(typeof h.bicubicMpsnr === 'number' ? { bicubicMpsnr: h.bicubicMpsnr } : {}),
    ...(typeof h.bicubicSam === 'number' ? { bicubicSam: h.bicubicSam } : {}),
  };
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}

/** A model of a kind the command cannot run (a cascade outside `lkca upscale`, an any-band model
 * where a plain TF.js model is needed). */
export class ModelKindError extends Error {
  override name = 'ModelKindError';
}

/** `m` unless it is a cascade, which only `lkca upscale` / upscaleFileWithCascade run. */
export function singleModel(m: ShippedModel, command: string): ShippedModel {
  if (m.kind === 'cascade')
    throw new ModelKindError(
      `${m.name} is a cascade (${m.stages?.map((x) => x.name).join(' then ')}): ${command} runs one model; \`lkca upscale\` runs cascades`,
    );
  return m;
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

/** A band-specific model's recorded hold-out region, as words. */
function holdOutText(t: Record<string, unknown> | undefined): string | undefined {
  const h = t?.holdOut as { row: number; col: number; rows: number; cols: number } | undefined;
  return h
    ? `rows ${h.row}-${h.row + h.rows - 1}, cols ${h.col}-${h.col + h.cols - 1} of its scene`
    : undefined;
}

/** A cascade folder's description: scale the product of its stages', params their sum. */
function describeCascade(path: string, name: string, modelsDir: string): ShippedModel {
  const config = readCascadeConfig(path);
  const file = join(path, CASCADE_FILE);
  const folders = cascadeStageFolders(path, config, (stage) => {
    const dir = join(modelsDir, stage);
    return existsSync(join(dir, 'model.json')) ? dir : undefined;
  });
  const stages = folders.map((dir, i) => {
    const m = describeModelFolder(dir, config.stages[i], modelsDir);
    if (!m || m.kind === 'cascade')
      throw new CascadeConfigError(
        file,
        `stages[${i}]`,
        `'${config.stages[i]}' is not a model folder`,
      );
    return m;
  });
  // Each stage takes what the one before gives: a band count must match it.
  let bands: number | 'any' = stages[0].bands;
  for (const [i, m] of stages.entries()) {
    if (i > 0 && m.bands !== 'any' && bands !== 'any' && m.bands !== bands)
      throw new CascadeConfigError(
        file,
        `stages[${i}]`,
        `'${m.name}' takes ${m.bands} bands, the stage before gives ${bands}`,
      );
    if (bands === 'any') bands = m.bands;
  }
  const training = config.training;
  const heldOut = numbersOf(training?.heldOut);
  return {
    name: config.name ?? name,
    path,
    kind: 'cascade',
    scale: stages.reduce((s, m) => s * m.scale, 1),
    bands: stages.every((m) => m.bands === 'any') ? 'any' : bands,
    params: stages.reduce((n, m) => n + m.params, 0),
    trainedOn: `${stages.map((m) => `x${m.scale} ${m.name}`).join(', then ')} (no weights of its own)`,
    heldOut,
    heldOutMean: heldOutMean(
      heldOut,
      typeof training?.heldOutOn === 'string' ? training.heldOutOn : undefined,
    ),
    stages,
  };
}

/**
 * Reads one model folder's description; null when the folder holds neither a model.json nor a
 * cascade.json. A cascade's stage names are shipped models of `modelsDir`.
 */
export function describeModelFolder(
  path: string,
  name: string,
  modelsDir = SHIPPED_MODELS_DIR,
): ShippedModel | null {
  if (existsSync(join(path, CASCADE_FILE))) return describeCascade(path, name, modelsDir);
  const modelFile = join(path, 'model.json');
  if (!existsSync(modelFile)) return null;
  const modelJson = JSON.parse(readFileSync(modelFile, 'utf8'));
  const params = paramsOf(modelJson);
  const anyBandFile = join(path, 'any-band.json');
  if (existsSync(anyBandFile)) {
    const cfg = JSON.parse(readFileSync(anyBandFile, 'utf8'));
    const training = cfg.training as Record<string, unknown> | undefined;
    const heldOut = numbersOf(training?.heldOut ?? training?.heldOutMean ?? training?.validation);
    return {
      name: cfg.name ?? name,
      path,
      kind: 'any-band',
      scale: cfg.scale,
      bands: 'any',
      params,
      trainedOn: describeTraining(training),
      heldOut,
      heldOutMean: heldOutMean(
        heldOut,
        typeof training?.heldOutOn === 'string' ? training.heldOutOn : undefined,
      ),
    };
  }
  const meta = modelJson.userDefinedMetadata?.hsrkit ?? {};
  const inputShape = modelJson.modelTopology?.config?.layers?.[0]?.config?.batch_input_shape as
    | number[]
    | undefined;
  // Scores beside bicubic's on the demo quadrant (scripts/score-demo-model.ts --record) when
  // recorded, else the validation the trainer saved (no bicubic, in the trainer's units).
  const t = meta.training;
  const recorded = numbersOf(t?.heldOut);
  const heldOut = recorded ?? numbersOf(t?.validation);
  return {
    name,
    path,
    kind: 'band-specific',
    scale: meta.scale,
    bands: meta.bands ?? inputShape?.[inputShape.length - 1],
    params,
    trainedOn: describeTraining(t),
    heldOut,
    heldOutMean: heldOutMean(
      heldOut,
      recorded && typeof t?.heldOutOn === 'string' ? t.heldOutOn : holdOutText(t),
    ),
  };
}

/** Every model shipped with the package, sorted by name. */
export function listShippedModels(dir = SHIPPED_MODELS_DIR): ShippedModel[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort()
    .map((n) => describeModelFolder(join(dir, n), n, dir))
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
    if (!found)
      throw new ModelNotFoundError(`${nameOrPath}: no model.json (or cascade.json) in that folder`);
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
  const m = singleModel(resolveModel(nameOrPath, dir), 'this');
  if (m.kind === 'any-band')
    throw new ModelNotFoundError(
      `${m.name} is an any-band model: run it with the any-band API of @hsrkit/lkca-net (src/any-band), not as a plain TF.js model`,
    );
  return m.path;
}
