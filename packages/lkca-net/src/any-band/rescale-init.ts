// An any-band model at another scale started from a trained one (browser-safe): the same design
// (group size, stride, core options, residual mode) at the new scale, every core weight whose name
// and shape match copied from the donor; only the upsampler, whose width follows the scale, starts
// from its seeded init. How the shipped lkca-any-band-x2 was started from the x4 model
// (scripts/train-any-band.ts --init-from), and what `lkca train --scale 8` starts from.
import { AnyBandSR } from './any-band-model.js';

export interface RescaledModel {
  model: AnyBandSR;
  /** Core weights copied from the donor, of all the new core's weights. */
  copied: number;
  total: number;
}

/** Copies every weight of `from`'s core whose name and shape match into `to`'s core. */
export function copyMatchingCoreWeights(from: AnyBandSR, to: AnyBandSR): number {
  const byName = new Map(from.core.weights.map((w) => [w.originalName, w]));
  let copied = 0;
  for (const w of to.core.weights) {
    const d = byName.get(w.originalName);
    if (d && d.shape.join() === w.shape.join()) {
      w.write(d.read());
      copied++;
    }
  }
  return copied;
}

/** A new model of `donor`'s design at `scale`, its core started from the donor's weights. */
export function rescaledAnyBandModel(
  donor: AnyBandSR,
  scale: number,
  opts: { seed?: number; name?: string } = {},
): RescaledModel {
  const c = donor.config;
  const model = AnyBandSR.create({
    scale,
    groupSize: c.groupSize,
    stride: c.stride,
    core: c.core,
    residual: c.residual,
    relativeSoftening: c.relativeSoftening,
    seed: opts.seed ?? 1,
    name: opts.name ?? `${c.name}-x${scale}`,
  });
  const copied = copyMatchingCoreWeights(donor, model);
  return { model, copied, total: model.core.weights.length };
}
