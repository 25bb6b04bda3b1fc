// Node-only: a model cascade, models run one after another (e.g. x4 then x2 for x8), described by
// a folder's cascade.json: `{"format": "hsrkit-model-cascade/1", "name", "stages": [...],
// "training": {...}}`. A stage is a shipped model's name (src/shipped-models.ts) or a folder inside
// the cascade folder (`./x4`): never a path that leads out of it, so a cascade a user names reads
// only that folder and the package's own models. Run by src/cascade-file-node.ts.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export const CASCADE_FILE = 'cascade.json';
export const CASCADE_FORMAT = 'hsrkit-model-cascade/1';

/** A cascade.json that cannot be used: names the file and the field at fault. */
export class CascadeConfigError extends Error {
  override name = 'CascadeConfigError';
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field}: ${message}`);
  }
}

export interface CascadeConfig {
  format: typeof CASCADE_FORMAT;
  name?: string;
  /** Shipped model names or `./folder` inside the cascade folder, run in this order. */
  stages: string[];
  /** What it was scored on, as the any-band models record it (heldOut etc.). */
  training?: Record<string, unknown>;
}

/** The checked cascade.json of a folder. */
export function readCascadeConfig(dir: string): CascadeConfig {
  const file = join(dir, CASCADE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CascadeConfigError(file, 'file', `cannot read: ${(e as Error).message}`);
  }
  const c = raw as Partial<CascadeConfig>;
  if (!c || typeof c !== 'object' || c.format !== CASCADE_FORMAT)
    throw new CascadeConfigError(file, 'format', `expected '${CASCADE_FORMAT}'`);
  if (
    !Array.isArray(c.stages) ||
    c.stages.length < 2 ||
    !c.stages.every((s) => typeof s === 'string' && s.length > 0)
  )
    throw new CascadeConfigError(file, 'stages', 'expected two or more model names or ./folders');
  if (c.name !== undefined && typeof c.name !== 'string')
    throw new CascadeConfigError(file, 'name', 'expected a string');
  return c as CascadeConfig;
}

/**
 * The folder of each stage: `./sub` inside `dir` (checked after symlinks: it must stay inside), or
 * a name looked up by `byName` (the shipped models). A path with `..`, an absolute path or a name
 * that is neither is a CascadeConfigError.
 */
export function cascadeStageFolders(
  dir: string,
  config: CascadeConfig,
  byName: (name: string) => string | undefined,
): string[] {
  const file = join(dir, CASCADE_FILE);
  return config.stages.map((stage, i) => {
    const field = `stages[${i}]`;
    if (stage.startsWith('./')) {
      const root = realpathSync(dir);
      const target = resolve(dir, stage);
      if (!existsSync(target) || !statSync(target).isDirectory())
        throw new CascadeConfigError(file, field, `'${stage}' is not a folder inside ${dir}`);
      const rel = relative(root, realpathSync(target));
      if (rel === '' || rel.startsWith('..') || rel.startsWith(sep) || resolve(root, rel) === rel)
        throw new CascadeConfigError(file, field, `'${stage}' leads out of ${dir}`);
      return target;
    }
    if (stage.includes('/') || stage.includes('\\') || stage.startsWith('.'))
      throw new CascadeConfigError(
        file,
        field,
        `'${stage}': a stage is a shipped model's name or ./folder inside the cascade folder`,
      );
    const found = byName(stage);
    if (!found)
      throw new CascadeConfigError(file, field, `'${stage}' is not a shipped model (lkca models)`);
    return found;
  });
}
