// A read-only summary of the page's state on window.__playground, for the browser test and for
// anyone poking at the page from the console. The big arrays stay out of it.
import type { AppState, Store } from './store.js';

export interface PlaygroundSummary {
  busy?: string;
  input?: { name: string; rows: number; cols: number; bands: number };
  model?: AppState['model'];
  run?: Omit<NonNullable<AppState['run']>, 'sr' | 'bicubic'> & { srShape?: number[] };
  metrics?: AppState['metrics'];
  lowRank?: { modelParams: number; layers: { layer: string; fullRank: number; params: number }[] };
}

declare global {
  interface Window {
    __playground?: PlaygroundSummary;
  }
}

export function exposeState(store: Store): void {
  store.on((s) => {
    const { sr, bicubic: _b, ...run } = s.run ?? {};
    window.__playground = {
      busy: s.busy,
      input: s.input && {
        name: s.input.name,
        rows: s.input.cube.rows,
        cols: s.input.cube.cols,
        bands: s.input.cube.bands,
      },
      model: s.model,
      run: s.run && {
        ...(run as NonNullable<PlaygroundSummary['run']>),
        srShape: sr && [sr.rows, sr.cols, sr.bands],
      },
      metrics: s.metrics,
      lowRank: s.lowRank && {
        modelParams: s.lowRank.modelParams,
        layers: s.lowRank.upsamplers.map((u) => ({
          layer: u.layer,
          fullRank: u.fullRank,
          params: u.params,
        })),
      },
    };
  });
}
