// Seeded weight initialisation for models whose layers take no seed: TF.js initialisers without a
// seed draw their generator's seed from Math.random(), so while a model is built Math.random is a
// seeded generator (mulberry32) and two builds with the same seed get the same weights. Used by
// `trainOnScenes` so that `lkca train --seed` seeds everything (issue 15).
import { mulberry32 } from '@hsrkit/hsi-data';

/** Runs `build` (synchronous) with Math.random seeded by `seed`; restores Math.random after. */
export function withSeededInit<T>(seed: number, build: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed ^ 0x5eed1417);
  try {
    return build();
  } finally {
    Math.random = original;
  }
}
