// A read-only summary of the page's state on window.__playground, for the browser test and for
// anyone poking at the page from the console. The big arrays stay out of it.
import type { AppState, Store } from './store.js';

export interface PlaygroundSummary {
  busy?: string;
  input?: {
    name: string;
    rows: number;
    cols: number;
    bands: number;
    goodBands: number[];
    noDataValue?: number;
  };
  model?: AppState['model'];
  run?: Omit<NonNullable<AppState['run']>, 'sr' | 'bicubic'> & { srShape?: number[] };
  metrics?: AppState['metrics'];
  wald?: Omit<NonNullable<AppState['wald']>, 'run'> & {
    run: { cancelled: boolean; backend: string };
  };
  display?: AppState['display'];
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
        goodBands: s.input.mask.goodBands,
        noDataValue: s.input.mask.noDataValue,
      },
      model: s.model,
      run: s.run && {
        ...(run as NonNullable<PlaygroundSummary['run']>),
        srShape: sr && [sr.rows, sr.cols, sr.bands],
      },
      metrics: s.metrics,
      wald: s.wald && {
        ...s.wald,
        run: { cancelled: s.wald.run.cancelled, backend: s.wald.run.backend },
      },
      display: s.display,
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
