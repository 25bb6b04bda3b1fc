import type { AnyBandCoreOptions } from './core.js';
import type { ResidualMode } from './core-forward.js';
import { AnyBandConfigError } from './errors.js';

/** The JSON stored beside the core's TF.js model: how bands are grouped and normalised. */
export interface AnyBandConfig {
  format: 'hsrkit-any-band/1';
  name: string;
  scale: number;
  /** G: bands per group, the core's input and output band count. */
  groupSize: number;
  /** Start-to-start distance of neighbouring groups (G/2: every band in two groups). */
  stride: number;
  /** Each group: subtract its mean, divide by its standard deviation, both from the input itself. */
  normalization: 'group-mean-std';
  /** How the core's correction of bicubic is applied (absent: 'additive'). */
  residual?: ResidualMode;
  /** Softening of the 'relative' gain in units of the group's std (absent: RELATIVE_SOFTENING). */
  relativeSoftening?: number;
  core: AnyBandCoreOptions;
  /** What the shipped weights were trained on and how they scored (free-form, for `lkca models`). */
  training?: Record<string, unknown>;
}

export const ANY_BAND_FORMAT = 'hsrkit-any-band/1';

/** Checks a parsed config (from a file or a caller); `where` names its origin in errors. */
export function checkAnyBandConfig(raw: unknown, where = 'config'): AnyBandConfig {
  if (typeof raw !== 'object' || raw === null)
    throw new AnyBandConfigError(where, 'expected a JSON object');
  const c = raw as Partial<AnyBandConfig>;
  if (c.format !== ANY_BAND_FORMAT)
    throw new AnyBandConfigError(
      `${where}.format`,
      `expected '${ANY_BAND_FORMAT}', got ${JSON.stringify(c.format)}`,
    );
  for (const k of ['scale', 'groupSize', 'stride'] as const) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new AnyBandConfigError(`${where}.${k}`, `expected a positive integer, got ${v}`);
  }
  if ((c.scale as number) < 2)
    throw new AnyBandConfigError(`${where}.scale`, `expected >= 2, got ${c.scale}`);
  if ((c.stride as number) > (c.groupSize as number))
    throw new AnyBandConfigError(`${where}.stride`, `${c.stride} > groupSize ${c.groupSize}`);
  if (c.normalization !== 'group-mean-std')
    throw new AnyBandConfigError(
      `${where}.normalization`,
      `expected 'group-mean-std', got ${JSON.stringify(c.normalization)}`,
    );
  if (c.residual !== undefined && c.residual !== 'additive' && c.residual !== 'relative')
    throw new AnyBandConfigError(
      `${where}.residual`,
      `expected 'additive' or 'relative', got ${JSON.stringify(c.residual)}`,
    );
  if (
    c.relativeSoftening !== undefined &&
    !(typeof c.relativeSoftening === 'number' && c.relativeSoftening > 0)
  )
    throw new AnyBandConfigError(
      `${where}.relativeSoftening`,
      `expected a number > 0, got ${JSON.stringify(c.relativeSoftening)}`,
    );
  if (typeof c.core !== 'object' || c.core === null)
    throw new AnyBandConfigError(`${where}.core`, 'expected an object of LKCA-Net options');
  return { name: 'any-band', ...c } as AnyBandConfig;
}
