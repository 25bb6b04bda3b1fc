// Any-band models run one after another on a cube in memory (browser-safe): what a cascade folder
// describes (src/model-cascade.ts, e.g. lkca-any-band-x8 = x4 then x2) for `lkca eval` and the API.
// Each stage normalises its own input (src/any-band/normalization.ts), so the chain works in the
// cube's units throughout; the file path runs the same stages tile by tile (src/cascade-file-node.ts).
import type { Cube } from '@hsrkit/hsi-data';
import { type AnyBandPredictOptions, AnyBandSR } from './any-band-model.js';
import { AnyBandConfigError } from './errors.js';

export class AnyBandChain {
  constructor(readonly stages: readonly AnyBandSR[]) {
    if (stages.length < 2 || !stages.every((s) => s instanceof AnyBandSR))
      throw new AnyBandConfigError('stages', 'a chain needs two or more any-band models');
  }

  /** The product of the stages' scales. */
  get scale(): number {
    return this.stages.reduce((s, m) => s * m.scale, 1);
  }

  /** Each stage on the one before's output (options, the self-ensemble included, to every one). */
  async predict(cube: Cube, opts: AnyBandPredictOptions = {}): Promise<Cube> {
    let x = cube;
    for (const stage of this.stages) x = await stage.predict(x, opts);
    return x;
  }

  dispose(): void {
    for (const s of this.stages) s.dispose();
  }
}
