import { DistillConfigError } from './errors.js';
import type { Schedule } from './schedule.js';

/** The parameters of the spec of kind `K` in a spec union: the spec without its `type`. */
export type SpecParams<S extends { type: string }, K extends S['type']> = Omit<
  Extract<S, { type: K }>,
  'type'
>;

/** For each `type` of a spec union, the function that builds its schedule. */
export type ScheduleBuilders<S extends { type: string }> = {
  [K in S['type']]: (spec: Extract<S, { type: K }>) => Schedule;
};

/**
 * The schedule a `{ type, ... }` spec names, built by `builders`; an unknown type is a
 * DistillConfigError on `field` listing the known ones (and `alsoAccepted`, other forms).
 */
export function scheduleFromSpec<S extends { type: string }>(
  spec: S,
  builders: ScheduleBuilders<S>,
  field: string,
  what: string,
  alsoAccepted: string,
): Schedule {
  const type = (spec as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(builders, type))
    throw new DistillConfigError(
      field,
      `unknown ${what} ${JSON.stringify(type)}; expected ${Object.keys(builders).join(', ')}${alsoAccepted}`,
    );
  return (builders[type as S['type']] as (s: S) => Schedule)(spec);
}
