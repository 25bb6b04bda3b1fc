// The low-rank analysis of the loaded model (@hsrkit/lowrank): the singular values of each
// upsampler (and of the first factor of an already factorised one) and the params an SVD cut at
// 90 / 95 / 99 % energy would keep.
import { analyzeLayer, analyzeModel, FIRST_LAYER_SUFFIX, plotSpectrumSvg } from '@hsrkit/lowrank';
import type * as tf from '@tensorflow/tfjs';
import type { LowRankResult, UpsamplerSpectrum } from './worker-protocol.js';

export async function lowRankSummary(
  model: tf.LayersModel,
  bands: number,
  size = 32,
): Promise<LowRankResult> {
  const a = await analyzeModel(model, { inputShape: [size, size, bands], spectra: 'upsamplers' });
  const names = new Set(model.layers.map((l) => l.name));
  const upsamplers: UpsamplerSpectrum[] = [];
  for (const u of a.upsamplers) {
    const layers = [u.layer];
    if (names.has(u.layer + FIRST_LAYER_SUFFIX)) layers.unshift(u.layer + FIRST_LAYER_SUFFIX);
    for (const name of layers) {
      const s =
        a.layers.find((l) => l.layer === name)?.analysis ??
        (await analyzeLayer(model.getLayer(name)));
      upsamplers.push({
        layer: name,
        className: s.className,
        kernelShape: s.kernelShape,
        params: s.params,
        fullRank: s.fullRank,
        singularValues: Array.from(s.singularValues),
        energy: Array.from(s.energy),
        knee: s.knee,
        ranks: s.ranks.map((r) => ({
          energy: r.energy,
          rank: r.rank,
          params: r.params ?? s.params,
          saved: s.params - (r.params ?? s.params),
        })),
        svg: plotSpectrumSvg(s, { title: `${name}: singular values`, width: 640, height: 360 }),
      });
    }
  }
  return { modelParams: a.totalParams, upsamplerShare: a.upsamplerShare, upsamplers };
}
