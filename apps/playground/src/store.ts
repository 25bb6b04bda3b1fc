// The page's state, one object, with listeners; panels render from it.
import type { OpenedCube } from './open-cube.js';
import type { Point } from './ui/image-canvas.js';
import type { LowRankResult, MetricsResult, ModelInfo, RunResult } from './worker-protocol.js';

export interface AppState {
  input?: OpenedCube;
  /** R, G, B band indices of every false-colour view. */
  bands?: [number, number, number];
  /** The chosen point, as fractions of the image (the same place on LR and SR views). */
  point?: Point;
  model?: ModelInfo;
  run?: RunResult;
  hr?: OpenedCube;
  metrics?: MetricsResult;
  lowRank?: LowRankResult;
  busy?: string;
}

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
}
