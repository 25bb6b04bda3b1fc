// The page's state, one object, with listeners; panels render from it.
import type { OpenedCube } from './open-cube.js';
import type { Point } from './ui/image-canvas.js';
import type { Display, Stretch } from './ui/render.js';
import type {
  LowRankResult,
  MetricsResult,
  ModelInfo,
  RunResult,
  WaldResult,
} from './worker-protocol.js';

/**
 * A spectrum kept on the plot (and in the CSV export): one pixel (rows = cols = 1), or the mean of
 * a rectangle of pixels from (row, col), `rows` x `cols` (a region drawn with Shift + drag).
 */
export interface Pin {
  row: number;
  col: number;
  rows?: number;
  cols?: number;
}

export interface AppState {
  input?: OpenedCube;
  /** True for the embedded sample (its ground truth can be used). */
  inputIsSample?: boolean;
  /** What every view shows: three bands as false colour or one in grey. */
  display?: Display;
  stretch?: Stretch;
  /** The chosen point, as fractions of the image (the same place on LR and SR views). */
  point?: Point;
  pins?: Pin[];
  model?: ModelInfo;
  run?: RunResult;
  hr?: OpenedCube;
  metrics?: MetricsResult;
  wald?: WaldResult;
  lowRank?: LowRankResult;
  busy?: string;
}

/** Busy states during which the worker is running tiles: no cube may be opened meanwhile. */
export const RUNNING = new Set(['super-resolving', "running Wald's check"]);

type Listener = (state: AppState, changed: Set<keyof AppState>) => void;

export class Store {
  state: AppState = {};
  private readonly listeners: Listener[] = [];

  set(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    const changed = new Set(Object.keys(patch) as (keyof AppState)[]);
    for (const l of this.listeners) l(this.state, changed);
  }

  on(listener: Listener): void {
    this.listeners.push(listener);
  }

  get running(): boolean {
    return RUNNING.has(this.state.busy ?? '');
  }
}
