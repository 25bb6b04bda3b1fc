import type { LowRankResult } from '../worker-protocol.js';
import { fmt, h } from './dom.js';

/** The singular-value plot of each upsampler layer and what an SVD cut would keep. */
export function lowRankView(r: LowRankResult): HTMLElement {
  if (r.upsamplers.length === 0)
    return h(
      'p',
      {},
      'No upsampler found (a conv feeding a PixelShuffle / DepthToSpace, a conv after UpSampling2D, or a Conv2DTranspose).',
    );
  return h(
    'div',
    { class: 'lowrank' },
    h(
      'p',
      {},
      `The model has ${fmt(r.modelParams, 0)} params; its upsampler layers hold ${fmt(r.upsamplerShare * 100, 1)} % of them.`,
    ),
    ...r.upsamplers.map((u) => {
      const plot = h('div', { class: 'sv-plot' });
      // The SVG comes from @hsrkit/lowrank's plotSpectrumSvg, which escapes every label.
      plot.innerHTML = u.svg;
      return h(
        'div',
        { class: 'upsampler', 'data-layer': u.layer },
        h(
          'h3',
          {},
          `${u.layer} (${u.className}, kernel ${u.kernelShape.join(' x ')}, ${fmt(u.params, 0)} params, full rank ${u.fullRank}, knee at rank ${u.knee})`,
        ),
        plot,
        h(
          'table',
          { class: 'ranks' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'energy kept'),
              h('th', {}, 'rank'),
              h('th', {}, 'params as SVD pair'),
              h('th', {}, 'params saved'),
            ),
          ),
          h(
            'tbody',
            {},
            ...u.ranks.map((k) =>
              h(
                'tr',
                {},
                h('td', {}, `${fmt(k.energy * 100, 1)} %`),
                h('td', {}, `${k.rank} / ${u.fullRank}`),
                h('td', {}, fmt(k.params, 0)),
                h(
                  'td',
                  { class: k.saved > 0 ? 'saving' : 'no-saving' },
                  k.saved > 0
                    ? `${fmt(k.saved, 0)} (${fmt((k.saved / u.params) * 100, 1)} %)`
                    : `none (${fmt(-k.saved, 0)} more)`,
                ),
              ),
            ),
          ),
        ),
      );
    }),
  );
}
